#!/usr/bin/python3
"""Distil a model's autoencoder decoder into its live-preview decoder (vae_preview/).

    /usr/bin/python3 models/training/train_preview_decoder.py --pack models/stepwise-emoji \\
        --data DATA --out models/training/runs/preview [--minutes 30] [--export]
    /usr/bin/python3 models/training/train_preview_decoder.py --run models/training/runs/dm \\
        --data DATA --out models/training/runs/dm/preview [--device cuda]

The teacher is a shipped pack (--pack: its prompts.txt gives the captions, else the dataset's)
or a train_diffusion.py run folder (--run, read with train_run.load_run; its captions are the
dataset's). Stages (each resumable: a rerun with the same --out reuses what is there):
  1. data.safetensors: dataset latents (the teacher's encoder on --images of --data's images)
     and guided DDIM trajectories of the teacher's UNet from --captions training captions
     (x0 and x_t after every step), with the teacher's decoded images as uint8 targets.
  2. student.safetensors (+ student.json): the AutoencoderTiny decoder trained on them
     (preview_distill.py), checkpointed every --checkpoint-seconds, until --minutes or
     --max-steps.
  3. preview.json: PSNR against the teacher on held-out latents (held-out images, held-out
     captions' trajectories), for the student and for the smoothly upscaled cheap projection
     (the pack's preview/latent_rgb.json; for --run, a least-squares fit on the training
     split's dataset latents and teacher images, preview_fit.fit_factors).
  4. --export (with --pack only): writes <pack>/vae_preview/ (config.json,
     diffusion_pytorch_model.safetensors, distillation.json) and the model card's "Preview
     decoder" section (stepwise_train/preview_pack.py), within the pack's byte budget. A --run
     student stays in --out; export_pack.py --preview-run OUT puts it into the exported pack.
--device defaults to cuda when available; on a GPU the data stage, training and evaluation run
there in larger batches. Exit status 2 on a refused input.
"""

import argparse
import importlib.util
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from stepwise_train import preview_distill as pd  # noqa: E402
from stepwise_train import preview_fit, preview_pack, safetensors_io  # noqa: E402
from stepwise_train.export_core import PACK_BUDGET, load_models  # noqa: E402
from stepwise_train.train_common import (  # noqa: E402
    Clock, RunLog, TrainError, atomic_save_safetensors, atomic_write_json, read_json,
    resolve_device, seed_all)
from stepwise_train.train_run import load_run  # noqa: E402

DATA = "data.safetensors"
STUDENT = preview_pack.RUN_STUDENT
STATE = preview_pack.RUN_STATE
REPORT = preview_pack.RUN_REPORT
CARD_BEGIN = preview_pack.CARD_BEGIN
CARD_END = preview_pack.CARD_END
card_section = preview_pack.card_section
with_card_section = preview_pack.with_card_section
_trajectory_owner = pd.trajectory_owner
# (encode/decode batch, trajectory batch) per device
BATCHES = {"cpu": (64, 32), "cuda": (256, 128)}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--pack", help="the pack whose decoder is distilled")
    source.add_argument("--run", help="a train_diffusion.py run folder whose decoder is distilled")
    p.add_argument("--data", required=True, help="dataset folder or .swpack (the training images)")
    p.add_argument("--out", required=True, help="run folder (created; reused when it exists)")
    p.add_argument("--images", type=int, default=6000, help="dataset images to encode")
    p.add_argument("--captions", type=int, default=128, help="captions to sample trajectories of")
    p.add_argument("--steps", type=int, default=20, help="DDIM steps per trajectory")
    p.add_argument("--guidance", type=float, default=5.0)
    p.add_argument("--holdout", type=float, default=0.05, help="share of images and captions held out")
    p.add_argument("--minutes", type=float, default=30.0, help="training time budget")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--checkpoint-seconds", type=float, default=60.0)
    p.add_argument("--student", default=None, help="JSON overrides of the student config")
    p.add_argument("--seed", type=int, default=20261206)
    p.add_argument("--device", choices=["cpu", "cuda"], default=None,
                   help="default: cuda when available, else cpu")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = keep)")
    p.add_argument("--export", action="store_true",
                   help="write <pack>/vae_preview/ when done (--pack only)")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.export and not args.pack:
        p.error("--export needs --pack; a --run student is exported with export_pack.py "
                "--preview-run OUT")
    if args.device is None:
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    return args


def load_teacher(args):
    """dict(unet, vae, text_encoder, tokenizer, scheduler, kind, path) of --pack or --run."""
    if args.pack:
        unet, vae, text, tok, sched = load_models(args.pack)
        models = {"unet": unet, "vae": vae, "text_encoder": text, "tokenizer": tok,
                  "scheduler": sched, "kind": "pack", "path": args.pack}
    else:
        run = load_run(args.run)
        models = dict(run, kind="run", path=args.run)
    for key in ("unet", "vae", "text_encoder"):
        models[key].eval()
    return models


def _dataset_pack_module():
    spec = importlib.util.spec_from_file_location("stepwise_dataset_pack",
                                                  os.path.join(HERE, "dataset", "pack.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_picked_images(path, size, count, generator):
    """(uint8 [n, S, S, 3] of count random images, every caption of the dataset).

    The pick is torch.randperm(N, generator)[:count]; only the picked images are decoded.
    """
    if os.path.isdir(path):
        records = []
        with open(os.path.join(path, "captions.jsonl"), encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
        if not records:
            raise TrainError(f"{path}/captions.jsonl lists no images")
        pick = torch.randperm(len(records), generator=generator)[:count].tolist()
        images = np.zeros((len(pick), size, size, 3), dtype=np.uint8)  # [n, S, S, 3]
        for row, i in enumerate(pick):
            with Image.open(os.path.join(path, records[i]["file"])) as im:
                im = im.convert("RGB")
                if im.size != (size, size):
                    raise TrainError(f"{records[i]['file']} is {im.size[0]}x{im.size[1]}, the "
                                     f"model needs {size}x{size}")
                images[row] = np.asarray(im, dtype=np.uint8)  # [S, S, 3]
        return images, [r["caption"] for r in records]
    if not os.path.isfile(path):
        raise TrainError(f"--data {path} does not exist")
    ds = _dataset_pack_module().load(path)
    if ds.pixels != size:
        raise TrainError(f"{path} holds {ds.pixels}px images, the model needs {size}px")
    pick = torch.randperm(len(ds), generator=generator)[:count].tolist()
    order = sorted(set(pick))
    decoded = ds.images(order)  # [n, S, S, 3] in `order`
    row = {i: k for k, i in enumerate(order)}
    return decoded[[row[i] for i in pick]], list(ds.captions)


def build_data(args, models, log, device=None):
    """Stage 1: latents and teacher targets, saved to <out>/data.safetensors.

    Returns (tensors, metadata)."""
    path = os.path.join(args.out, DATA)
    if os.path.exists(path):
        with open(path, "rb") as f:
            tensors, meta = safetensors_io.deserialize(f.read())
        meta = meta or {}
        log(f"reusing {path} ({meta.get('summary', '')})")
        return tensors, meta
    device = device or torch.device("cpu")
    code_batch, traj_batch = BATCHES[device.type]
    unet, vae, text = models["unet"], models["vae"], models["text_encoder"]
    scale = vae.config["scaling_factor"]
    g = torch.Generator().manual_seed(args.seed)
    t0 = time.monotonic()
    images, data_captions = load_picked_images(args.data, vae.config["sample_size"],
                                               args.images, g)
    ds_lat = pd.encode_dataset(vae, images, scale, code_batch)  # [n, C, h, w]
    log(f"encoded {ds_lat.shape[0]} images in {time.monotonic() - t0:.0f} s")
    ds_img = pd.teacher_decode(vae, ds_lat, scale, code_batch)  # uint8 [n, 3, H, W]
    log(f"decoded them in {time.monotonic() - t0:.0f} s")
    prompts = _prompts(models["path"] if models["kind"] == "pack" else None, data_captions, log)
    chosen = [prompts[int(i)] for i in torch.randperm(len(prompts), generator=g)[:args.captions]]
    x0, xt, step = pd.trajectories(unet, text, models["tokenizer"], models["scheduler"], chosen,
                                   args.steps, args.guidance, seed=args.seed,
                                   batch=traj_batch)  # [m*steps, C, h, w] each
    log(f"sampled {len(chosen)} trajectories of {args.steps} steps in "
        f"{time.monotonic() - t0:.0f} s")
    # Caption of each trajectory row: rows come in blocks of one batch per step.
    owner = pd.trajectory_owner(len(chosen), args.steps, traj_batch)  # [m*steps]
    x0_img = pd.teacher_decode(vae, x0, scale, code_batch)
    xt_img = pd.teacher_decode(vae, xt, scale, code_batch)
    log(f"decoded the trajectories in {time.monotonic() - t0:.0f} s")
    tensors = {"dataset.latents": ds_lat.contiguous(), "dataset.images": ds_img.contiguous(),
               "x0.latents": x0.contiguous(), "x0.images": x0_img.contiguous(),
               "xt.latents": xt.contiguous(), "xt.images": xt_img.contiguous(),
               "traj.caption": owner.to(torch.int32), "traj.step": step.to(torch.int32)}
    summary = (f"{ds_lat.shape[0]} dataset latents, {len(chosen)} trajectories x {args.steps} "
               f"steps, {time.monotonic() - t0:.0f} s on {device.type}")
    meta = {"format": "stepwise-preview-data-1", "summary": summary,
            "captions": json.dumps(chosen), "pack": os.path.abspath(models["path"]),
            "source": models["kind"], "steps": str(args.steps), "guidance": repr(args.guidance),
            "traj_batch": str(traj_batch), "device": device.type}
    atomic_save_safetensors(path, tensors, meta)
    return tensors, meta


def _split(n, share, generator):
    """A fixed permutation of range(n) -> (train indices, held-out indices)."""
    perm = torch.randperm(n, generator=generator)
    k = max(1, int(round(n * share))) if n > 1 else 0
    return perm[k:], perm[:k]


def _prompts(pack, data_captions, log=print):
    """The captions trajectories are sampled from: the pack's prompts.txt, else (a --run, or a
    pack exported without --data) the dataset's distinct captions, sorted."""
    path = os.path.join(pack, "prompts.txt") if pack else None
    if path and not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"  # how export writes it
    if path and os.path.exists(path):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip()]
        if not lines:
            raise TrainError(f"{path} is empty")
        return lines
    lines = sorted({c.strip() for c in data_captions if c.strip()})
    if not lines:
        raise TrainError("the dataset has no captions to sample trajectories from")
    if pack:
        log(f"{pack} has no prompts.txt(.gz): sampling from the dataset's {len(lines)} captions")
    return lines


def split_indices(tensors, holdout, seed):
    """(dataset train indices, dataset held-out indices, held-out trajectory row mask).

    Whole captions are held out: every row of a held-out caption's trajectory (x0 and x_t of
    every step) is in the test set, none in the training set.
    """
    g = torch.Generator().manual_seed(seed + 1)
    n = tensors["dataset.latents"].shape[0]
    ds_train, ds_test = _split(n, holdout, g)
    owner = tensors["traj.caption"].long()
    m = int(owner.max()) + 1 if owner.numel() else 0
    _, cap_test = _split(m, holdout, g)
    test_rows = torch.isin(owner, cap_test)
    return ds_train, ds_test, test_rows


def splits(tensors, holdout, seed):
    """(train latents, train targets, {name: (latents, targets)} held-out sets)."""
    ds_train, ds_test, test_rows = split_indices(tensors, holdout, seed)
    train_lat = torch.cat([tensors["dataset.latents"][ds_train], tensors["x0.latents"][~test_rows],
                           tensors["xt.latents"][~test_rows]])
    train_img = torch.cat([tensors["dataset.images"][ds_train], tensors["x0.images"][~test_rows],
                           tensors["xt.images"][~test_rows]])
    held = {"dataset": (tensors["dataset.latents"][ds_test], tensors["dataset.images"][ds_test]),
            "x0": (tensors["x0.latents"][test_rows], tensors["x0.images"][test_rows]),
            "xt": (tensors["xt.latents"][test_rows], tensors["xt.images"][test_rows])}
    return train_lat, train_img, held


def train(args, tensors, log, runlog, device=None):
    """Stage 2: train the student; returns (student, step), resumed from <out>/student.*."""
    device = device or torch.device("cpu")
    overrides = json.loads(args.student) if args.student else None
    student = pd.new_student(overrides)
    path = os.path.join(args.out, STUDENT)
    state_path = os.path.join(args.out, STATE)
    step = 0
    if os.path.exists(path):
        student.load_state_dict(safetensors_io.load_file(path))
        step = int(read_json(state_path).get("step", 0))
        log(f"resumed the student at step {step}")
    student.to(device)
    train_lat, train_img, _ = splits(tensors, args.holdout, args.seed)
    n = train_lat.shape[0]
    if n == 0:
        raise TrainError("no training latents")
    train_lat, train_img = train_lat.to(device), train_img.to(device)
    opt = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.0)
    clock = Clock(args.minutes, args.checkpoint_seconds)
    g = torch.Generator().manual_seed(args.seed + step)
    start_step = step
    budget_s = None if clock.deadline is None else clock.deadline - clock.start
    student.train()
    try:
        while step < (args.max_steps or 10 ** 9) and not clock.out_of_time():
            idx = torch.randint(0, n, (args.batch_size,), generator=g).to(device)  # [B]
            # The cosine runs over whichever bound ends first: --max-steps or the time budget.
            local = step - start_step
            progress = [] if not args.max_steps else [
                (local - 50) / max(1, args.max_steps - start_step - 50)]
            if budget_s:
                progress.append(clock.elapsed() / budget_s)
            lr = pd.cosine_lr(args.lr, local, 0, progress=max(progress) if progress else 0.0)
            for group in opt.param_groups:
                group["lr"] = lr
            loss = pd.loss_fn(student, train_lat[idx], train_img[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if step - start_step in (20, 200):
                if device.type == "cuda":
                    torch.cuda.synchronize()
                log(f"{clock.elapsed() / (step - start_step) * 1000:.1f} ms a step over the "
                    f"first {step - start_step}")
            if step % 50 == 0:
                runlog.write(step=step, loss=float(loss), lr=lr, elapsed=round(clock.elapsed(), 1),
                             device=device.type)
            if clock.checkpoint_due():
                _save_student(student, path, state_path, step)
    except KeyboardInterrupt:  # the GPU session's timeout: keep what was learnt
        _save_student(student, path, state_path, step)
        raise
    _save_student(student, path, state_path, step)
    student.eval()
    return student, step


def _save_student(student, path, state_path, step):
    atomic_save_safetensors(path, {k: v.detach().cpu().contiguous() for k, v in
                                   student.state_dict().items()}, {"step": str(step)})
    atomic_write_json(state_path, {"step": step, "config": student.config})


def cheap_factors(args, tensors, models):
    """(factors, bias, description) of the cheap preview the student is compared with."""
    if models["kind"] == "pack":
        path = os.path.join(models["path"], "preview", "latent_rgb.json")
        if os.path.exists(path):
            f = read_json(path)
            return f["factors"], f["bias"], "the pack's `preview/latent_rgb.json`"
    ds_train, _, _ = split_indices(tensors, args.holdout, args.seed)
    lat = tensors["dataset.latents"][ds_train]  # [n, C, h, w]
    img = pd.from_uint8(tensors["dataset.images"][ds_train])  # [n, 3, H, W]
    factors, bias = preview_fit.fit_factors(lat, img)
    return factors, bias, (f"a least-squares fit on the {lat.shape[0]} training-split images' "
                           "latents and decoded images")


def evaluate(args, tensors, student, steps, models=None, meta=None):
    """Stage 3: PSNR of the student and of the cheap projection on every held-out set."""
    models = models or {"kind": "pack", "path": args.pack}
    factors, bias, source = cheap_factors(args, tensors, models)
    _, _, held = splits(tensors, args.holdout, args.seed)
    batch = BATCHES[next(student.parameters()).device.type][0] * 2
    meta = meta or {}
    captions = json.loads(meta["captions"]) if "captions" in meta else []
    owner, traj_steps = tensors["traj.caption"], tensors["traj.step"]
    if not captions and owner.numel():
        captions = [None] * (int(owner.max()) + 1)
    steps_each = int(meta["steps"]) if "steps" in meta else (
        int(traj_steps.max()) + 1 if traj_steps.numel() else 0)
    report = {"student_config": student.config, "train_steps": steps,
              "parameters": sum(p.numel() for p in student.parameters()), "sets": {},
              "cheap_factors": source,
              "data": {"dataset_latents": int(tensors["dataset.latents"].shape[0]),
                       "trajectories": len(captions), "steps": steps_each,
                       "guidance": float(meta.get("guidance", args.guidance)),
                       "holdout": args.holdout}}
    if "vae" in models:
        vae = models["vae"]
        report["teacher"] = {"source": models["kind"], "path": os.path.abspath(models["path"]),
                             "vae_scaling_factor": float(vae.config["scaling_factor"]),
                             "vae_fingerprint": preview_pack.vae_fingerprint(vae.state_dict())}
    for name, (lat, img) in held.items():
        if lat.shape[0] == 0:
            continue
        h, w = img.shape[2], img.shape[3]
        mine = pd.student_images(student, lat, h, w, batch)
        cheap = pd.to_uint8(pd.cheap_preview(lat, factors, bias, h, w))
        report["sets"][name] = {"count": int(lat.shape[0]),
                                "psnr_student_db": round(pd.psnr_uint8(mine, img), 2),
                                "psnr_cheap_db": round(pd.psnr_uint8(cheap, img), 2)}
    return report


def export(pack, student, report):
    """Stage 4: <pack>/vae_preview/ and the model card section (preview_pack.export_into)."""
    folder, _ = preview_pack.export_into(pack, student.config, student.state_dict(), report,
                                         PACK_BUDGET)
    return folder


def run(args, log):
    device = resolve_device(args.device)
    os.makedirs(args.out, exist_ok=True)
    seed_all(args.seed)
    models = load_teacher(args)
    for key in ("unet", "vae", "text_encoder"):
        models[key].to(device)
    tensors, meta = build_data(args, models, log, device)
    student, steps = train(args, tensors, log, RunLog(args.out, quiet=args.quiet), device)
    report = evaluate(args, tensors, student, steps, models, meta)
    report["device"] = device.type
    atomic_write_json(os.path.join(args.out, REPORT), report)
    log(json.dumps(report["sets"]))
    if args.export:
        log(f"exported {export(args.pack, student.cpu(), report)}")
    return report


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet = args.quiet

    def log(msg):
        if not quiet:
            print(msg, flush=True)

    try:
        run(args, log)
    except (TrainError, preview_pack.PreviewError, safetensors_io.SafetensorsError,
            OSError) as error:
        print(f"train_preview_decoder.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
