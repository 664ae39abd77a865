"""The pack's README.md model card and its sample grid image (samples.png)."""

import os
import re

import numpy as np
import torch
from PIL import Image


def sample_grid(images, columns):
    """images [N, 3, H, W] in [0, 1] -> a PIL image, `columns` per row, 2-pixel white gaps."""
    n, _, h, w = images.shape
    rows = (n + columns - 1) // columns
    gap = 2
    canvas = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap, 3), 255, np.uint8)
    pixels = (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for i in range(n):  # pixels [N, H, W, 3]
        r, c = divmod(i, columns)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        canvas[y:y + h, x:x + w] = pixels[i]
    return Image.fromarray(canvas, "RGB")


def save_png(image, path, max_bytes=100_000):
    """Save as PNG; if over max_bytes, as a 256-colour palette PNG (the pack travels in a
    size-limited GPU session, and a palette loses nothing visible in a sample grid). Returns the
    byte size."""
    image.save(path, optimize=True)
    if os.path.getsize(path) > max_bytes:
        image.quantize(256, dither=Image.Dither.NONE if hasattr(Image, "Dither") else 0).save(
            path, optimize=True)
    return os.path.getsize(path)


def attribution_sections(markdown):
    """The licence table and the credit line of dataset/ATTRIBUTION.md (before its first '## ')."""
    head = re.split(r"^## ", markdown, maxsplit=1, flags=re.M)[0]
    keep = [ln for ln in head.splitlines()
            if ln.startswith(("|", ">")) or ln.startswith("Credit line")]
    out = []
    for ln in keep:  # a blank line between the table, the credit sentence and the quote
        if out and ln[:1] != out[-1][:1]:
            out.append("")
        out.append(ln)
    return "\n".join(out).strip()


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _num(value):
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pct(value):
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _row(label, block):
    return (f"| {label} | {block.get('n', '?')} | {_pct(block.get('name_top1'))} | "
            f"{_pct(block.get('style'))} | {_pct(block.get('both'))} |")


def eval_section(ev, grid=None):
    """Markdown lines of the Evaluation section from an eval.json dict (eval/evaluate.py); grid
    is the file name of its labelled grid inside the pack, or None. A dict without
    name_top1 (an older format) is listed key by key."""
    if "name_top1" not in ev:
        return [f"- {k}: {_fmt(v)}" for k, v in ev.items() if isinstance(v, (int, float, str))]
    st = ev.get("settings") or {}
    what = ("generated images" if ev.get("mode") != "real"
            else "the dataset's own images (upper bound)")
    head = (f"Prompt accuracy on {ev.get('captions', '?')} evaluation captions "
            f"(`models/training/dataset/eval_captions.txt`), {ev.get('images', '?')} {what}")
    if ev.get("mode") != "real":
        head += (f" (DDIM, {st.get('steps', '?')} steps, guidance {st.get('guidance', '?')}, "
                 f"{st.get('seeds', '?')} seeds per caption)")
    lines = [head + ", judged by a small classifier trained on the real images "
             "(`models/training/eval/`). A name counts when the judge's top-1 name is the "
             "caption's (skin tone not judged); the judge may also answer \"other emoji\".", "",
             "| images | n | name top-1 | style | name and style |", "|---|---|---|---|---|",
             _row(f"**{what}**", ev)]
    real = ev.get("judge_real_accuracy") or {}
    labels = [("held_out_tone_variants", "judge on held-out real images (unseen skin tones)"),
              ("eval_captions_augmented_x8", "judge on the captions' real images, augmented x8"),
              ("eval_captions_clean", "judge on the captions' real images (training images)")]
    lines += [_row(label, real[key]) for key, label in labels if key in real]
    lines.append("")
    if ev.get("name_top5") is not None:
        lines.append(f"Name top-5: {_pct(ev['name_top5'])}; answered \"other emoji\": "
                     f"{_pct(ev.get('predicted_other'))}.")
    art = ev.get("artefacts")
    if art and art.get("n"):
        lines.append(f"Speckle artefacts (`models/training/eval/artefacts.py`: small rainbow "
                     f"clusters on the subject's outline): {_pct(art.get('flagged'))} of the "
                     f"{art['n']} images flagged, {art.get('specks', '?')} specks.")
    var = ev.get("variety")
    if var and var.get("captions"):
        lines.append(f"Seed variety ({var['captions']} captions without their style part, "
                     f"{var.get('seeds', '?')} seeds each, `models/training/eval/variety.py`): "
                     f"{_pct(var.get('multi_style'))} of the sets show at least two styles; "
                     f"mean pairwise pixel distance between seeds "
                     f"{var.get('mean_pairwise_distance', '?')} (mean absolute RGB difference, "
                     f"0 to 1).")
    held = real.get("held_out_names")
    if held:
        lines.append(f"On {held.get('n', '?')} real images of names it never saw, the judge "
                     f"answers \"other emoji\" for {_pct(held.get('called_other'))} and names "
                     f"the style of {_pct(held.get('style'))}.")
    for key, title in (("per_style", "style"), ("per_category", "category")):
        groups = ev.get(key) or {}
        if groups:
            lines += ["", f"| {title} | n | name top-1 | style | name and style |",
                      "|---|---|---|---|---|"]
            lines += [_row(f"`{k}`", v) for k, v in groups.items()]
    if grid:
        lines += ["", f"![evaluation grid]({grid}) The first image of every evaluation caption; "
                  "beneath it the judge's answer, green when name and style are right."]
    return lines


def render(info):
    """README.md text. info: name, config_name, params {unet, vae, text_encoder}, pack_bytes,
    file_list [(path, bytes)], autoencoder (json), diffusion (json), hardware (sentence),
    cpu_only (bool or None), attribution (markdown), samples [(caption, ...)], sample settings,
    eval (dict or None: eval.json of eval/evaluate.py), eval_grid (optional: file name of its
    grid in the pack), vocab_size, max_length, pad_token, scaling_factor, preview_decoder_section
    (optional: preview_pack.card_section's markdown, placed before Samples)."""
    p = info["params"]
    total_params = sum(p.values())
    ae, df = info["autoencoder"], info["diffusion"]
    lines = [
        f"# {info['title']}",
        "",
        "Stepwise's built-in text-to-image model: a small member of the Stable Diffusion family "
        "(AutoencoderKL, UNet2DConditionModel with cross-attention, CLIP-style text encoder, "
        "classifier-free guidance), trained by the Stepwise project on permissively licensed emoji "
        f"art at {info['image_size']}x{info['image_size']} pixels. Diffusers folder layout, fp16 "
        "safetensors.",
        "",
    ]
    if info["cpu_only"]:
        lines += ["**These weights come from a CPU-only run (a smoke run); they are not expected "
                  "to draw recognisable emoji.**", ""]
    lines += [
        "## Prompting",
        "",
        "Captions look like `name[, skin tone], <style> style`, for example "
        "`red heart, twemoji style` or `thumbs up, medium skin tone, fluent flat style`. "
        "Styles: `twemoji`, `fluent flat`, `fluent modern`. The tokenizer is a word-level "
        f"vocabulary of {info['vocab_size']} tokens; words outside it become `<unk>`. The "
        f"text window is {info['max_length']} tokens including `<bos>` and `<eos>` (padding: "
        f"`{info['pad_token']}`).",
        "",
    ]
    if info.get("prompt_count"):
        lines += [f"`prompts.txt.gz` lists the {info['prompt_count']:,} captions the model was "
                  "trained on, one a line (gzipped UTF-8); the Stepwise studio offers them as "
                  "prompt ideas.", ""]
    lines += [
        "## Architecture",
        "",
        "| part | parameters |",
        "|---|---|",
        f"| UNet | {p['unet']:,} |",
        f"| autoencoder (f = {info['vae_factor']}, {info['latent_channels']} latent channels) "
        f"| {p['vae']:,} |",
        f"| text encoder | {p['text_encoder']:,} |",
        f"| total | {total_params:,} |",
        "",
        f"Latent scaling factor {info['scaling_factor']:.6g} (1 / std of the latents, measured on "
        "the training data). Preview factors in `preview/latent_rgb.json` were fitted by least "
        f"squares on {info['preview_source']}.",
        "",
        "## Training",
        "",
        f"- Configuration: `models/training/configs/{info['config_name']}.json`.",
        f"- Hardware: {info['hardware']}",
        f"- Autoencoder: {_fmt(ae.get('steps', 'not recorded'))} steps"
        + "".join(f", {k} {_fmt(v)}" for k, v in ae.items() if k not in ("steps",)
                  and isinstance(v, (int, float, str))) + ".",
        f"- Diffusion (UNet + text encoder, EMA weights): cumulative steps "
        f"{_fmt(df.get('steps', 'not recorded'))}"
        + "".join(f", {k} {_fmt(v)}" for k, v in df.items() if k not in ("steps",)
                  and isinstance(v, (int, float, str))) + ".",
        "- Runs resume from this pack's EMA weights; the step count above is cumulative over "
        "every run.",
        "",
        "## Evaluation",
        "",
    ]
    if info.get("eval"):
        lines += eval_section(info["eval"], info.get("eval_grid"))
    else:
        lines += ["Not evaluated yet (no eval.json in the run folder)."]
    if info.get("history"):
        lines += ["", "## History", "",
                  "Every pack that shipped as the built-in model, oldest first (a pack is "
                  "replaced only when the evaluation improves; `history.json` holds the same "
                  "list):", "",
                  "| date | hardware | autoencoder steps | diffusion steps (cumulative) | "
                  "name top-1 | style | name top-5 | run |",
                  "|---|---|---|---|---|---|---|---|"]
        for e in info["history"]:
            ev = e.get("eval") or {}
            lines.append(f"| {e.get('date', '?')} | {e.get('hardware', '?')} | "
                         f"{_num(e.get('autoencoder_steps', '?'))} | {_num(e.get('diffusion_steps', '?'))} | "
                         f"{_pct(ev.get('name_top1'))} | {_pct(ev.get('style'))} | "
                         f"{_pct(ev.get('name_top5'))} | {e.get('note', '')} |")
    if info.get("preview_decoder_section"):
        lines += ["", info["preview_decoder_section"]]
    lines += [
        "",
        "## Samples",
        "",
        f"![samples](samples.png) Guided DDIM from these fp16 weights: "
        f"{info['sample_steps']} steps, guidance {info['guidance']}, seed {info['seed']} "
        "(image i uses seed + i), captions left to right, top to bottom:",
        "",
    ]
    lines += [f"{i + 1}. `{c}`" for i, c in enumerate(info["samples"])]
    lines += ["", f"Stepwise redraws image i with `stepwise generate --prompt \"<caption>\" "
              f"--sampler ddim --steps {info['sample_steps']} --guidance {info['guidance']} "
              f"--seed <{info['seed']} + i>` (its noise generator reproduces torch.randn)."]
    lines += [
        "",
        "## Data, licences and attribution",
        "",
        "Trained on emoji images rasterized from these npm packages "
        "(models/training/dataset/ATTRIBUTION.md; full licence texts travel in the dataset's "
        "ATTRIBUTION.txt):",
        "",
        info["attribution"],
        "",
    ]
    lines += files_lines(info["file_list"], info["pack_bytes"])
    return "\n".join(lines) + "\n"


FILES_HEADING = "## Files"


def files_lines(file_list, pack_bytes):
    """The card's last section: the pack's size and every file with its bytes."""
    return [FILES_HEADING, "", f"Pack size: {pack_bytes:,} bytes in all (this card included).",
            "", "| file | bytes |", "|---|---|"] + [f"| `{name}` | {size:,} |"
                                                     for name, size in file_list]


def with_files(text, others):
    """Card text with its Files section rewritten for the files `others` [(path, bytes)] (every
    file but README.md) and the card itself, whose size the section states (a fixed point).
    A card without a Files section is returned unchanged."""
    marker = "\n" + FILES_HEADING + "\n"
    if marker not in text:
        return text
    head = text.split(marker, 1)[0] + "\n"
    card_bytes, out = 0, text
    for _ in range(8):
        listed = sorted(others + [("README.md", card_bytes)])
        out = head + "\n".join(files_lines(listed, sum(s for _, s in others) + card_bytes)) + "\n"
        if len(out.encode("utf-8")) == card_bytes:
            break
        card_bytes = len(out.encode("utf-8"))
    return out
