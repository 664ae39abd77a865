"""Prompt accuracy of a pack on the evaluation captions, judged by the trained judge.

  /usr/bin/python3 models/training/eval/evaluate.py --pack models/stepwise-emoji \
      --judge models/training/runs/judge --out models/training/runs/eval \
      [--steps 20 --guidance 5 --seeds 2 --seed 0 --sampler ddim --device cpu]
  /usr/bin/python3 models/training/eval/evaluate.py --real models/training/data/emoji \
      --judge models/training/runs/judge --out models/training/runs/eval-real

Caption i, draw k (k < seeds) uses seed + k * N + i (N captions), so draw 0 matches the pack's
sample grid rule "image i uses seed + i". Writes OUT/eval.json (top-1 name, style and both
accuracy, top-5 name, per category, per style, per caption; the judge's own accuracy on
held-out real images beside; the speckle measure of eval/artefacts.py; the seed variety of eval/variety.py over
--variety-seeds draws of each caption without its style; settings; seconds)
and OUT/grid.png (draw 0 of every caption,
labelled with the caption and the judge's verdict: green when name and style are right).
--real runs the same report on the dataset's own images of the captions (an upper bound).
"""

import argparse
import json
import os
import platform
import sys
import time
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from eval import artefacts  # noqa: E402
from eval import grid as G  # noqa: E402
from eval import judge as J  # noqa: E402
from eval import metrics  # noqa: E402
from eval import variety  # noqa: E402
from eval.data import Dataset, DataError, judge_input  # noqa: E402
from eval.judge_train import _predict, judge_items  # noqa: E402

STYLE_SHORT = {"twemoji": "twemoji", "fluent-flat": "flat", "fluent-modern": "modern"}


def load_judge(path):
    """A judge folder (judge.safetensors inside) or file -> (model, info)."""
    if os.path.isdir(path):
        path = os.path.join(path, "judge.safetensors")
    if not os.path.exists(path):
        raise DataError(f"{path} is missing (run eval/train_judge.py first)")
    return J.load(path)


def _real_images(data, rows):
    """The dataset images of the caption rows -> (images [M, 3, H, W], kept rows)."""
    ds = Dataset(data)
    where = {r["caption"]: i for i, r in enumerate(ds.records)}
    kept = [r for r in rows if r["caption"] in where]
    if not kept:
        raise DataError(f"{data} has none of the evaluation captions' images")
    pics = [torch.from_numpy(ds.image(where[r["caption"]]).copy()).permute(2, 0, 1).float() / 255
            for r in kept]  # each [3, H, W]
    return torch.stack(pics), kept  # [M, 3, H, W]


def _verdict(item):
    ok = item["pred_name"] == item["name"] and item["pred_style"] == item["style"]
    name = "other" if item["pred_name"] == J.OTHER else item["pred_name"]
    return (f"= {name} / {STYLE_SHORT.get(item['pred_style'], item['pred_style'])}",
            G.OK if ok else G.WRONG, 2)


def run(a, log=print):
    """Evaluate with the parsed options a; returns the eval.json dict (also written)."""
    torch.set_num_threads(a.threads)
    t0 = time.time()
    model, info = load_judge(a.judge)
    rows = info["eval_captions"][:a.limit] if a.limit else info["eval_captions"]
    settings = OrderedDict()
    if a.real:
        images, rows = _real_images(a.real, rows)  # [M, 3, H, W]
        draws, mode = 1, "real"
        settings.update(data=a.real)
        gen_s = 0.0
    else:
        if a.sampler != "ddim":
            raise DataError(f"--sampler {a.sampler!r} is not supported; the evaluation uses ddim")
        from eval.generate import generate, load_pack
        models = load_pack(a.pack)
        n = len(rows)
        caps = [r["caption"] for k in range(a.seeds) for r in rows]
        seeds = [a.seed + k * n + i for k in range(a.seeds) for i in range(n)]
        log(f"evaluate: generating {len(caps)} images ({n} captions x {a.seeds} seeds, "
            f"{a.steps} steps, guidance {a.guidance}) on {a.device}")
        t1 = time.time()
        images = generate(models, caps, seeds, a.steps, a.guidance, device=a.device,
                          batch=a.batch)  # [n * seeds, 3, H, W]
        gen_s = time.time() - t1
        draws, mode = a.seeds, "generated"
        settings.update(pack=a.pack, sampler="ddim", eta=0.0, steps=a.steps,
                        guidance=a.guidance, negative="", seeds=a.seeds, seed=a.seed,
                        seed_rule="caption i, draw k: seed + k * N + i", device=a.device,
                        image_size=int(images.shape[-1]))
        training = os.path.join(a.pack, "training.json")
        if os.path.exists(training):
            with open(training, encoding="utf-8") as f:
                settings["pack_training"] = json.load(f)
    var_images = None
    if not a.real and a.variety_seeds:
        free = [variety.style_free(r["caption"]) for r in rows]
        var_seeds = variety.seeds_for(len(free), a.variety_seeds, a.seed)
        log(f"evaluate: variety: {len(var_seeds)} images ({len(free)} style-free captions x "
            f"{a.variety_seeds} seeds)")
        t1 = time.time()
        var_images = generate(models, [free[i] for k in range(a.variety_seeds)
                                       for i in range(len(free))], var_seeds, a.steps,
                              a.guidance, device=a.device, batch=a.batch)  # [K * n, 3, H, W]
        gen_s += time.time() - t1
        settings.update(variety_seeds=a.variety_seeds,
                        variety_seed_rule="style-free caption i, draw k: seed + 100000 + k * N + i")
    t2 = time.time()
    x = judge_input(images, info["size"])  # [M, 3, S, S]
    items = judge_items(model, x, rows * draws, info["names"], info["styles"])
    judge_s = time.time() - t2
    report = OrderedDict([("mode", mode), ("judge", a.judge), ("captions", len(rows)),
                          ("images", len(items))])
    report.update(metrics.score(items))
    t3 = time.time()
    report["artefacts"] = artefacts.summary(images)
    art_s = time.time() - t3
    if var_images is not None:
        _, var_styles, _ = _predict(model, judge_input(var_images, info["size"]), info["names"],
                                    info["styles"])
        report["variety"] = variety.score(var_images, var_styles, len(rows), a.variety_seeds)
        report["artefacts_variety"] = artefacts.summary(var_images)
    report["judge_real_accuracy"] = info["real_accuracy"]
    report["judge_settings"] = OrderedDict((k, info[k]) for k in (
        "data", "images", "size", "width", "parameters", "seed", "steps", "batch",
        "train_seconds", "torch") if k in info)
    report["settings"] = settings
    report["settings"].update(torch=torch.__version__, machine=platform.machine(),
                              threads=a.threads)
    report["per_caption"] = [OrderedDict([
        ("caption", r["caption"]),
        ("predicted", [f"{items[k * len(rows) + i]['pred_name']} / "
                       f"{items[k * len(rows) + i]['pred_style']}" for k in range(draws)])])
        for i, r in enumerate(rows)]
    os.makedirs(a.out, exist_ok=True)
    n = len(rows)
    labels = [[(r["caption"], None, 3), _verdict(items[i])] for i, r in enumerate(rows)]
    picture = G.labelled_grid(images[:n], labels, columns=a.columns, tile=a.tile)
    report["grid"] = "grid.png"
    report["grid_bytes"] = G.save_png(picture, os.path.join(a.out, "grid.png"))
    report["seconds"] = OrderedDict([("generate", round(gen_s, 1)), ("judge", round(judge_s, 2)),
                                     ("artefacts", round(art_s, 1)),
                                     ("total", round(time.time() - t0, 1))])
    with open(os.path.join(a.out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    return report


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pack", help="a diffusers-layout pack folder")
    src.add_argument("--real", metavar="DATA", help="judge the dataset's own images instead")
    p.add_argument("--judge", required=True, help="judge folder or judge.safetensors")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--guidance", type=float, default=5.0)
    p.add_argument("--seeds", type=int, default=2, help="images per caption")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sampler", default="ddim")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--variety-seeds", type=int, default=4,
                   help="seeds per style-free caption for the variety figures (0 = none)")
    p.add_argument("--limit", type=int, default=0, help="first N captions only (0 = all)")
    p.add_argument("--columns", type=int, default=13)
    p.add_argument("--tile", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    return p


def main(argv=None):
    p = parser()
    a = p.parse_args(argv)
    for key in ("steps", "seeds", "batch", "columns", "tile", "threads"):
        if getattr(a, key) < 1:
            p.error(f"--{key} {getattr(a, key)} must be at least 1")
    if a.variety_seeds == 1 or a.variety_seeds < 0:
        p.error(f"--variety-seeds {a.variety_seeds} must be 0 (none) or at least 2")
    try:
        r = run(a, log=lambda m: print(m, flush=True))
    except (DataError, OSError, ValueError) as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 1
    print(json.dumps({k: r[k] for k in ("mode", "images", "name_top1", "style", "both",
                                        "name_top5", "predicted_other")}))
    print(f"per style: " + ", ".join(f"{k} {v['both']}" for k, v in r["per_style"].items()))
    print(f"speckle artefacts: {r['artefacts']['flagged']} of {r['artefacts']['n']} images "
          f"flagged ({r['artefacts']['specks']} specks)")
    if "variety" in r:
        v = r["variety"]
        print(f"variety ({v['captions']} style-free captions x {v['seeds']} seeds): "
              f"{v['multi_style']} show two styles or more, mean pairwise distance "
              f"{v['mean_pairwise_distance']}")
    print(f"{r['seconds']['total']} s; wrote {a.out}/eval.json and grid.png "
          f"({r['grid_bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
