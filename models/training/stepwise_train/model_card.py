"""The pack's README.md model card and its sample grid image (samples.png)."""

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


def render(info):
    """README.md text. info: name, config_name, params {unet, vae, text_encoder}, pack_bytes,
    file_list [(path, bytes)], autoencoder (json), diffusion (json), hardware (sentence),
    cpu_only (bool or None), attribution (markdown), samples [(caption, ...)], sample settings,
    eval (dict or None), vocab_size, max_length, pad_token, scaling_factor."""
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
        lines += [f"- {k}: {_fmt(v)}" for k, v in info["eval"].items()
                  if isinstance(v, (int, float, str))]
    else:
        lines += ["Not evaluated yet (no eval.json in the run folder)."]
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
        "## Files",
        "",
        f"Pack size: {info['pack_bytes']:,} bytes in all (this card included).",
        "",
        "| file | bytes |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {size:,} |" for name, size in info["file_list"]]
    return "\n".join(lines) + "\n"
