"""Least-squares latent -> RGB preview factors (preview/latent_rgb.json, docs/engine.md).

Model: for each latent cell, rgb = sum_c latent_c * factors[c] + bias, where latent is the
SCALED latent (VAE posterior mean times scaling_factor, the sampler's units) and rgb is the
f x f average of the image in [-1, 1] over the pixels that cell covers. The fit is ordinary
least squares on [latent, 1] -> rgb over every cell of every image (normal equations solved by
torch.linalg.lstsq in float64).
"""

import torch
import torch.nn.functional as F


def fit_factors(latents, images):
    """latents [N, C, h, w] (scaled), images [N, 3, h*f, w*f] in [-1, 1] -> (factors, bias).

    factors is a [C, 3] list of lists, bias a [3] list.
    """
    n, c, h, w = latents.shape
    if images.shape[0] != n or images.shape[1] != 3 or images.shape[2] % h or images.shape[3] % w:
        raise ValueError(f"images {list(images.shape)} do not tile latents {list(latents.shape)}")
    f = images.shape[2] // h
    target = F.avg_pool2d(images.double(), f)  # [N, 3, h, w]
    x = latents.double().permute(0, 2, 3, 1).reshape(-1, c)  # [N*h*w, C]
    x = torch.cat([x, torch.ones(x.shape[0], 1, dtype=x.dtype)], dim=1)  # [N*h*w, C+1]
    y = target.permute(0, 2, 3, 1).reshape(-1, 3)  # [N*h*w, 3]
    sol = torch.linalg.lstsq(x, y).solution  # [C+1, 3]
    if not torch.isfinite(sol).all():
        raise ValueError("latent-to-RGB fit is not finite")
    return sol[:c].tolist(), sol[c].tolist()


def synthetic_images(count, size, generator):
    """[count, 3, size, size] colour fields in [-1, 1]: white ground, flat blocks and gradients.

    Same idea as the Java engine's fallback (preview/SyntheticImages): plain colour regions
    cover the colour space, so the fit sees every latent direction a colour can take.
    """
    out = torch.ones(count, 3, size, size)  # [N, 3, S, S] white
    for i in range(count):
        grid = 1 + i % 4
        cells = torch.rand(3, grid, grid, generator=generator) * 2 - 1  # [3, g, g]
        field = F.interpolate(cells[None], size=(size, size), mode="nearest")[0]  # [3, S, S]
        if i % 3 == 2:
            field = F.interpolate(cells[None], size=(size, size), mode="bilinear",
                                  align_corners=False)[0]  # [3, S, S] smooth gradient
        m = size // 8
        out[i, :, m:size - m, m:size - m] = field[:, m:size - m, m:size - m]
    return out


@torch.no_grad()
def encode_scaled(vae, images, scaling_factor, batch=16):
    """images [N, 3, H, W] in [-1, 1] -> scaled posterior means [N, C, H/f, W/f]."""
    parts = []
    for i in range(0, images.shape[0], batch):
        parts.append(vae.encode(images[i:i + batch].float()).mode() * scaling_factor)
    return torch.cat(parts)  # [N, C, h, w]


def fit_vae(vae, images, scaling_factor):
    """Fit factors for vae on images [N, 3, H, W] in [-1, 1]; returns the latent_rgb.json dict."""
    latents = encode_scaled(vae, images, scaling_factor)  # [N, C, h, w]
    factors, bias = fit_factors(latents, images)
    return {"factors": factors, "bias": bias}
