"""Distil a pack's full autoencoder decoder into a tiny preview decoder (AutoencoderTiny layout).

The student learns to reproduce what the pack's own decoder makes of a latent, so a live preview
looks like the final image at a fraction of the cost (madebyollin/taesd distils SD's VAE the same
way). Inputs are the latents a preview actually sees:
  - dataset latents: the autoencoder's posterior means of the training images, times
    scaling_factor (the sampler's units);
  - trajectory latents: the predicted x0 and the noisy x_t (variance-preserving units) of
    guided DDIM runs of the pack's own UNet from training captions, every step.
Targets are the teacher's images clamp(vae.decode(z / scaling_factor), -1, 1), kept as uint8.

The student's output is upscaled to the teacher's size with bilinear interpolation
(align_corners=False, the Java engine's smooth upscaling) before the loss, so a student that
decodes at half size is trained for exactly the frame the studio shows. Loss: MSE + 0.5 L1 on
[-1, 1] pixels. Fidelity is PSNR on 8-bit images in [0, 1]: 10 log10(1 / MSE).
"""

import math

import torch
import torch.nn.functional as F

from .tiny_vae import AutoencoderTinyDecoder

# The built-in pack's preview decoder: 3 stages (16x16 latents -> 64x64 pixels, upscaled 2x to
# 128x128 by the engine), 24 channels. Sized in Java on a 2-core AVX2 CPU: about 3 ms a decode
# against a 40 ms guided step (models/training/README.md, "Preview decoder").
BUILTIN_STUDENT = {
    "_class_name": "AutoencoderTiny",
    "latent_channels": 4,
    "decoder_block_out_channels": [24, 24, 24],
    "num_decoder_blocks": [2, 1, 0],
    "upsampling_scaling_factor": 2,
    "upsample_fn": "nearest",
    "act_fn": "relu",
    "scaling_factor": 1.0,
    "shift_factor": 0.0,
}


def to_uint8(images):
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, 3, H, W] (diffusers' rounding: (x/2+0.5)*255)."""
    return ((images.clamp(-1, 1) / 2 + 0.5) * 255).round().to(torch.uint8)


def from_uint8(images):
    """uint8 [N, 3, H, W] -> float [N, 3, H, W] in [-1, 1]."""
    return images.float() / 127.5 - 1.0


def _device_of(module):
    return next(module.parameters()).device


@torch.no_grad()
def encode_dataset(vae, images_uint8, scaling_factor, batch=64):
    """uint8 [N, S, S, 3] -> scaled posterior means [N, C, S/f, S/f] (the sampler's units).

    Runs on vae's device in batches; the result is on the CPU.
    """
    device = _device_of(vae)
    parts = []
    for i in range(0, images_uint8.shape[0], batch):
        x = torch.as_tensor(images_uint8[i:i + batch]).to(device).permute(0, 3, 1, 2).float()
        x = x / 127.5 - 1.0  # [B, 3, S, S]
        parts.append((vae.encode(x).mode() * scaling_factor).cpu())  # [B, C, h, w]
    return torch.cat(parts)


@torch.no_grad()
def teacher_decode(vae, latents, scaling_factor, batch=64):
    """Scaled latents [N, C, h, w] -> uint8 teacher images [N, 3, H, W] (on the CPU)."""
    device = _device_of(vae)
    parts = []
    for i in range(0, latents.shape[0], batch):
        z = latents[i:i + batch].to(device) / scaling_factor  # [B, C, h, w]
        parts.append(to_uint8(vae.decode(z)).cpu())  # [B, 3, H, W]
    return torch.cat(parts)


@torch.no_grad()
def trajectories(unet, text_encoder, tokenizer, scheduler, captions, steps=20, guidance=5.0,
                 seed=0, batch=32):
    """Guided DDIM (eta 0) from each caption; returns (x0 [N*steps, C, h, w], xt [...], step).

    x0 is the predicted clean latent after each step and xt the state the step leaves
    (variance-preserving, DDIM's own units), as the engine's StepEvent reports them. Rows come
    in blocks: for each batch of `batch` captions, one block of its captions per step
    (trajectory_owner gives each row's caption). Runs on unet's device (the noise is drawn on
    the CPU from `seed`); the results are on the CPU.
    """
    device = _device_of(unet)
    c = unet.config["in_channels"]
    side = unet.config["sample_size"]
    x0s, xts, index = [], [], []
    g = torch.Generator().manual_seed(seed)
    for i in range(0, len(captions), batch):
        chunk = captions[i:i + batch]
        n = len(chunk)
        ids = torch.tensor([tokenizer.encode(p) for p in chunk])  # [n, L]
        empty = torch.tensor([tokenizer.encode("")] * n)  # [n, L]
        context = text_encoder(torch.cat([empty, ids]).to(device))[0]  # [2n, L, D]
        x = torch.randn((n, c, side, side), generator=g).to(device)  # [n, C, h, w]
        for k, t in enumerate(scheduler.set_timesteps(steps)):
            out = unet(torch.cat([x, x]), t, context)  # [2n, C, h, w]
            eps_u, eps_c = out.chunk(2)  # 2 x [n, C, h, w]
            eps = eps_u + guidance * (eps_c - eps_u)  # [n, C, h, w]
            x, x0 = scheduler.step(eps, t, x)  # [n, C, h, w] each
            x0s.append(x0.float().cpu())
            xts.append(x.float().cpu())
            index.append(torch.full((n,), k))
    return torch.cat(x0s), torch.cat(xts), torch.cat(index)


def trajectory_owner(m, steps, batch):
    """Caption index of each row that trajectories(m captions, steps, batch=batch) returns."""
    out = []
    for i in range(0, m, batch):
        n = min(batch, m - i)
        for _ in range(steps):
            out.append(torch.arange(i, i + n))
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.int64)


def upscale_to(images, height, width):
    """[N, 3, h, w] -> [N, 3, height, width], bilinear, align_corners=False (identity if equal)."""
    if images.shape[2] == height and images.shape[3] == width:
        return images
    return F.interpolate(images, size=(height, width), mode="bilinear", align_corners=False)


def cheap_preview(latents, factors, bias, height, width):
    """The linear latent-to-RGB projection, upscaled smoothly: [N, C, h, w] -> [N, 3, H, W]."""
    f = torch.tensor(factors, dtype=torch.float32, device=latents.device)  # [C, 3]
    b = torch.tensor(bias, dtype=torch.float32, device=latents.device)  # [3]
    rgb = torch.einsum("nchw,ck->nkhw", latents.float(), f) + b[None, :, None, None]  # [N,3,h,w]
    return upscale_to(rgb.clamp(-1, 1), height, width)  # [N, 3, H, W]


def psnr_uint8(a, b):
    """Mean PSNR (dB) over images of uint8 [N, 3, H, W] pairs, in [0, 1] units; capped at 99."""
    d = (a.float() - b.float()) / 255.0  # [N, 3, H, W]
    mse = d.pow(2).flatten(1).mean(1)  # [N]
    return float((10 * torch.log10(1.0 / mse.clamp_min(1e-10))).clamp(max=99).mean())


@torch.no_grad()
def student_images(student, latents, height, width, batch=128):
    """uint8 frames the engine would show: decode, upscale smoothly, quantize (on the CPU)."""
    device = _device_of(student)
    parts = []
    for i in range(0, latents.shape[0], batch):
        y = student.decode(latents[i:i + batch].to(device))  # [B, 3, h', w']
        parts.append(to_uint8(upscale_to(y, height, width)).cpu())  # [B, 3, H, W]
    return torch.cat(parts)


def loss_fn(student, latents, targets_uint8):
    """MSE + 0.5 L1 between the upscaled student output and the teacher, on [-1, 1] pixels."""
    target = from_uint8(targets_uint8)  # [B, 3, H, W]
    y = upscale_to(student.decode(latents), target.shape[2], target.shape[3])  # [B, 3, H, W]
    return F.mse_loss(y, target) + 0.5 * F.l1_loss(y, target)


def cosine_lr(base, step, total, warmup=50, floor=0.05, progress=None):
    """Linear warm-up then cosine decay to floor * base over total steps.

    progress (0..1), when given, replaces the step fraction after the warm-up: a run bounded by
    wall-clock time decays over its time budget, whatever its speed turns out to be.
    """
    if step < warmup:
        return base * (step + 1) / warmup
    p = progress if progress is not None else (step - warmup) / max(1, total - warmup)
    p = min(1.0, max(0.0, p))
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def new_student(cfg=None):
    """An AutoencoderTinyDecoder with the built-in student's config (or cfg)."""
    return AutoencoderTinyDecoder(dict(BUILTIN_STUDENT, **(cfg or {})))
