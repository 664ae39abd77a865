"""Caption variety and geometric jitter for the diffusion stage (issue 18), config switches of
train.diffusion (absent: off):

"caption_variety": {"style_drop": p_s, "tone_drop": p_t, "name_form": p_n}
    per sample and step, the ", <style> style" part is dropped with probability p_s (so
    "red apple" alone learns all three styles), the ", <tone> skin tone" part with p_t, and with
    p_n the name is replaced by one of its vocab.json "name_forms" (short names, CLDR keywords:
    dataset/aliases.py), uniformly. All forms are tokenized once (caption_table); steps index the
    table with draws of torch's seeded generator, so a run is deterministic per device.

"jitter": {"copies": K, "shift_px": s, "scale": f}
    K extra latent variants per image from copies moved by at most s px per axis and scaled by
    [1 - f, 1 + f] about the centre (white fill, bilinear), drawn once from a CPU generator
    seeded with the config's seed; identity for vocab.json "fixed_size" names (squares, circles,
    diamonds named by size). The issue's limits s <= 2, f <= 0.05 are enforced.
"""

import torch
import torch.nn.functional as F

from .train_common import TrainError

MAX_SHIFT_PX = 2.0
MAX_SCALE = 0.05


def caption_parts(caption):
    """'name[, <tone> skin tone], <style words> style' -> (name, tone part or '', style part or
    ''). Parts are recognised by their endings; anything else stays in the name."""
    parts = [p.strip() for p in caption.split(",")]
    style = parts.pop() if len(parts) > 1 and parts[-1].endswith(" style") else ""
    tone = parts.pop() if len(parts) > 1 and parts[-1].endswith(" skin tone") else ""
    return ", ".join(parts), tone, style


def variant_text(name, tone, style, drop_tone, drop_style):
    return ", ".join(p for p, drop in ((name, False), (tone, drop_tone), (style, drop_style))
                     if p and not drop)


def settings(tcfg):
    """The validated caption_variety and jitter dicts of a train.diffusion config (None if off)."""
    cv, jit = tcfg.get("caption_variety"), tcfg.get("jitter")
    if cv is not None:
        for key in ("style_drop", "tone_drop", "name_form"):
            value = cv.get(key, 0.0)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise TrainError(f"caption_variety {key} {value!r} must be a number in 0..1")
    if jit is not None:
        copies, shift, scale = jit.get("copies", 0), jit.get("shift_px", 0), jit.get("scale", 0)
        if not isinstance(copies, int) or not 0 <= copies <= 8:
            raise TrainError(f"jitter copies {copies!r} must be an integer in 0..8")
        if not 0 <= shift <= MAX_SHIFT_PX:
            raise TrainError(f"jitter shift_px {shift!r} must be in 0..{MAX_SHIFT_PX:g}")
        if not 0 <= scale <= MAX_SCALE:
            raise TrainError(f"jitter scale {scale!r} must be in 0..{MAX_SCALE:g}")
    return cv, jit


def caption_table(captions, vocab, tokenizer):
    """(ids int64 [N, F, 4, L], forms int64 [N]): ids[i, f, v] is caption i with name form f
    (0 = its own name, 1.. = vocab["name_forms"][name]) and variant v = 2 * drop_style +
    drop_tone; forms[i] is how many name forms caption i has (at least 1)."""
    table = (vocab or {}).get("name_forms") or {}
    rows, counts, seen = [], [], {}

    def encode(text):  # styles and tones repeat the same strings: tokenize each once
        if text not in seen:
            seen[text] = tokenizer.encode(text)
        return seen[text]

    for caption in captions:
        name, tone, style = caption_parts(caption)
        names = [name] + [f for f in table.get(name, []) if f != name]
        rows.append([[encode(variant_text(n, tone, style, bool(v & 1), bool(v & 2)))
                      for v in range(4)] for n in names])
        counts.append(len(names))
    width = max(counts)
    pad = [[tokenizer.encode("")] * 4]
    ids = torch.tensor([r + pad * (width - len(r)) for r in rows], dtype=torch.int64)
    return ids, torch.tensor(counts, dtype=torch.int64)  # [N, F, 4, L], [N]


def sample_ids(ids, forms, idx, cv):
    """Token ids [B, L] of the captions idx [B] with the variety of cv (None: the captions as
    written). Draws come from torch's global generator of ids' device."""
    if cv is None:
        return ids[idx, 0, 0]  # [B, L]
    b, dev = idx.shape[0], idx.device
    n = forms[idx]  # [B]
    other = torch.rand(b, device=dev) < cv.get("name_form", 0.0)  # [B]
    pick = 1 + (torch.rand(b, device=dev) * (n - 1).clamp(min=1)).long()  # [B] in 1..n-1
    form = torch.where(other & (n > 1), pick.clamp(max=ids.shape[1] - 1),
                       torch.zeros_like(pick))  # [B]
    drop_tone = torch.rand(b, device=dev) < cv.get("tone_drop", 0.0)  # [B]
    drop_style = torch.rand(b, device=dev) < cv.get("style_drop", 0.0)  # [B]
    variant = drop_tone.long() + 2 * drop_style.long()  # [B]
    return ids[idx, form, variant]  # [B, L]


def jitter_params(n, copies, shift_px, scale, size, fixed, seed):
    """theta [N, copies, 2, 3] for F.affine_grid (output -> input coordinates, align_corners
    False: one pixel is 2 / size); identity rows where fixed[i]."""
    g = torch.Generator().manual_seed(int(seed))
    s = 1 + (torch.rand(n, copies, generator=g) * 2 - 1) * scale  # [N, K] scale factors
    t = (torch.rand(n, copies, 2, generator=g) * 2 - 1) * shift_px * 2 / size  # [N, K, 2]
    theta = torch.zeros(n, copies, 2, 3)  # [N, K, 2, 3]
    theta[..., 0, 0] = 1 / s
    theta[..., 1, 1] = 1 / s
    theta[..., :, 2] = -t / s[..., None]  # content moves by +t
    keep = torch.tensor(fixed, dtype=torch.bool)  # [N]
    theta[keep] = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]])
    return theta


def apply_jitter(x, theta):
    """x float [B, 3, S, S] in [-1, 1], theta [B, 2, 3] -> moved and scaled copies, white
    (1.0) where the source lies outside the image."""
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)  # [B, S, S, 2]
    return F.grid_sample(x - 1, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False) + 1  # [B, 3, S, S]


def fixed_size_mask(captions, vocab):
    """Per caption, whether its name is in vocab["fixed_size"] (no jitter)."""
    fixed = set((vocab or {}).get("fixed_size") or [])
    return [caption_parts(c)[0] in fixed for c in captions]
