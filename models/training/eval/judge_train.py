"""Training the judge on the real images, and its own accuracy on held-out real images.

Split (exact, all decided before training):
- held-out tone variants: images of evaluation names whose skin tone is "medium" and whose
  caption is not an evaluation caption (the evaluation captions' own images stay in training);
- held-out names: 10% of the names that are not evaluation names (sorted, shuffled by the
  seed), all their images; the judge must call them OTHER and still name their style;
- everything else trains. Batches are half evaluation-name images (class drawn uniformly, then
  one of its images) and half OTHER images (uniform), each augmented (judge.augment).
"""

import math
import platform
import random
import time
from collections import OrderedDict

import torch
import torch.nn.functional as F

from eval import judge as J
from eval import metrics
from eval.data import STYLES, parse_caption

HELD_OUT_TONE = "medium"
HELD_OUT_NAME_FRACTION = 0.10


def eval_table(captions, records):
    """One row per evaluation caption: caption, name, skin_tone, style, category, in_data."""
    by_caption = {r["caption"]: r for r in records}
    category_of = {}
    for r in records:
        category_of.setdefault(r["name"], r["category"])
    rows = []
    for c in captions:
        name, tone, style = parse_caption(c)
        r = by_caption.get(c)
        rows.append(OrderedDict([("caption", c), ("name", name), ("skin_tone", tone),
                                 ("style", style),
                                 ("category", r["category"] if r else category_of.get(name, "?")),
                                 ("in_data", r is not None)]))
    return rows


def tone_word(skin_tone):
    """'medium skin tone' (captions.jsonl) or 'medium' -> 'medium'; '' stays ''."""
    tone = (skin_tone or "").strip()
    return tone[:-len(" skin tone")] if tone.endswith(" skin tone") else tone


def split(records, eval_rows, seed):
    """(train, held_tone, held_names) index lists and the held-out name list."""
    eval_names = {r["name"] for r in eval_rows}
    eval_caps = {r["caption"] for r in eval_rows}
    others = sorted({r["name"] for r in records} - eval_names)
    random.Random(seed).shuffle(others)
    held = set(others[:math.ceil(HELD_OUT_NAME_FRACTION * len(others))]) if len(others) > 1 \
        else set()
    train, tone, names = [], [], []
    for i, r in enumerate(records):
        if r["name"] in held:
            names.append(i)
        elif (r["name"] in eval_names and tone_word(r["skin_tone"]) == HELD_OUT_TONE
              and r["caption"] not in eval_caps):
            tone.append(i)
        else:
            train.append(i)
    return train, tone, names, sorted(held)


def _predict(model, x, names, styles):
    logits_n, logits_s = J.predict(model, x)  # [N, K], [N, 3]
    top = logits_n.topk(min(5, logits_n.shape[1]), dim=1).indices  # [N, 5]
    return ([names[i] for i in logits_n.argmax(1).tolist()],
            [styles[i] for i in logits_s.argmax(1).tolist()],
            [[names[j] for j in row] for row in top.tolist()])


def judge_items(model, x, truth, names, styles):
    """Judge images x [N, 3, S, S] against truth rows (name, style, category) -> score items."""
    pn, ps, top = _predict(model, x, names, styles)
    return [{"name": t["name"], "style": t["style"], "category": t.get("category"),
             "pred_name": a, "pred_style": b, "top5": c, "pred_is_other": a == J.OTHER}
            for t, a, b, c in zip(truth, pn, ps, top)]


def train(ds, captions, opts, log=print):
    """Train on Dataset ds. opts: seed, steps, batch, size, width, hidden, lr, threads.
    Returns (model, info dict for judge.json)."""
    torch.set_num_threads(opts["threads"])
    torch.manual_seed(opts["seed"])
    records = ds.records
    rows = eval_table(captions, records)
    names = sorted({r["name"] for r in rows}) + [J.OTHER]
    index = {n: i for i, n in enumerate(names)}
    other = index[J.OTHER]
    style_index = {s: i for i, s in enumerate(STYLES)}
    bad = sorted({r["style"] for r in records} - set(STYLES))
    if bad:
        raise ValueError(f"records have styles {bad}; the judge knows {list(STYLES)}")
    train_idx, tone_idx, held_idx, held_names = split(records, rows, opts["seed"])

    t0 = time.time()
    x_all = ds.judge_images(range(len(records)), opts["size"])  # [N, 3, S, S]
    load_s = time.time() - t0
    y_name = torch.tensor([index.get(r["name"], other) for r in records])  # [N]
    y_style = torch.tensor([style_index[r["style"]] for r in records])  # [N]

    per_class = {}
    for i in train_idx:
        per_class.setdefault(int(y_name[i]), []).append(i)
    other_pool = per_class.pop(other, [])
    classes = sorted(per_class)
    log(f"judge: {len(records)} images, {len(classes)} of {len(names) - 1} evaluation names "
        f"present, {len(other_pool)} other training images, held out {len(tone_idx)} tone "
        f"variants and {len(held_idx)} images of {len(held_names)} names; inputs "
        f"{opts['size']}px loaded in {load_s:.1f} s")

    model = J.JudgeNet(len(names), len(STYLES), opts["size"], opts["width"], opts["hidden"])
    optim = torch.optim.AdamW(model.parameters(), lr=opts["lr"], weight_decay=1e-4)
    g = torch.Generator().manual_seed(opts["seed"])
    steps, batch = opts["steps"], opts["batch"]
    warm = max(1, steps // 20)
    t1 = time.time()
    model.train()
    for step in range(steps):
        # Learning rate: linear warm-up, then cosine decay to zero.
        lr = opts["lr"] * min(1.0, (step + 1) / warm) * 0.5 * (
            1 + math.cos(math.pi * max(0, step - warm) / max(1, steps - warm)))
        for group in optim.param_groups:
            group["lr"] = lr
        half = batch // 2 if classes and other_pool else (batch if classes else 0)
        pick = []
        if half:
            cls = torch.randint(len(classes), (half,), generator=g).tolist()
            for c in cls:
                pool = per_class[classes[c]]
                pick.append(pool[int(torch.randint(len(pool), (1,), generator=g))])
        if other_pool and batch - half:
            sel = torch.randint(len(other_pool), (batch - half,), generator=g).tolist()
            pick += [other_pool[k] for k in sel]
        idx = torch.tensor(pick)  # [B]
        x = J.augment(x_all[idx], g)  # [B, 3, S, S]
        logits_n, logits_s = model(x)  # [B, K], [B, 3]
        loss = (F.cross_entropy(logits_n, y_name[idx], label_smoothing=0.1)
                + F.cross_entropy(logits_s, y_style[idx], label_smoothing=0.1))
        optim.zero_grad()
        loss.backward()
        optim.step()
        if step % 100 == 0 or step == steps - 1:
            log(f"judge step {step + 1}/{steps} loss {float(loss):.3f} lr {lr:.2e} "
                f"{time.time() - t1:.0f} s")
    train_s = time.time() - t1
    model.eval()

    real = OrderedDict()
    truth = [dict(r) for r in records]
    if tone_idx:
        real["held_out_tone_variants"] = metrics.score(
            judge_items(model, x_all[tone_idx], [truth[i] for i in tone_idx], names, STYLES))
    if held_idx:
        s = metrics.score(judge_items(model, x_all[held_idx], [truth[i] for i in held_idx],
                                      names, STYLES))
        real["held_out_names"] = OrderedDict([("n", s["n"]), ("called_other", s["predicted_other"]),
                                              ("style", s["style"]),
                                              ("per_style", s["per_style"])])
    present = [i for i, r in enumerate(records) if r["caption"] in {w["caption"] for w in rows}]
    if present:
        xe = x_all[present]  # [M, 3, S, S]
        te = [truth[i] for i in present]
        real["eval_captions_clean"] = metrics.score(judge_items(model, xe, te, names, STYLES))
        ga = torch.Generator().manual_seed(opts["seed"] + 10_000)
        xa = torch.cat([J.augment(xe, ga) for _ in range(8)])  # [8M, 3, S, S]
        real["eval_captions_augmented_x8"] = metrics.score(
            judge_items(model, xa, te * 8, names, STYLES))
    info = OrderedDict([
        ("format", J.FORMAT), ("data", ds.path), ("images", len(records)),
        ("names", names), ("styles", list(STYLES)),
        ("size", opts["size"]), ("width", opts["width"]), ("hidden", opts["hidden"]),
        ("parameters", sum(p.numel() for p in model.parameters())),
        ("seed", opts["seed"]), ("steps", steps), ("batch", batch), ("lr", opts["lr"]),
        ("threads", opts["threads"]), ("torch", torch.__version__),
        ("machine", platform.machine()), ("load_seconds", round(load_s, 1)),
        ("train_seconds", round(train_s, 1)),
        ("split", OrderedDict([
            ("rule", "held out: every image of an evaluation name with skin tone "
                     f"'{HELD_OUT_TONE}' whose caption is not an evaluation caption; every "
                     f"image of {HELD_OUT_NAME_FRACTION:.0%} of the other names (seeded "
                     "shuffle). The rest trains, the evaluation captions' own images "
                     "included."),
            ("train_images", len(train_idx)), ("held_out_tone_images", len(tone_idx)),
            ("held_out_name_images", len(held_idx)), ("held_out_names", held_names)])),
        ("real_accuracy", real),
        ("eval_captions", rows),
    ])
    return model, info
