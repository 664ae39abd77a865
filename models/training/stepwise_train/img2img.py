"""Img2img and inpainting: the PyTorch reference of the engine's "start from a picture".

Init latents are scaling_factor * the autoencoder posterior's mean (no sampling), so the seed's
noise is the only randomness. Two timestep rules (see docs/engine.md, "Start from a picture"):

- DDIM (diffusers pipeline_stable_diffusion_img2img.py get_timesteps): init = min(int(N s), N),
  t_start = max(N - init, 0); latents = add_noise(x0, noise, timesteps[t_start]) =
  sqrt(abar) x0 + sqrt(1 - abar) noise (q(x_t | x_0), Ho et al. 2020 eq. 4).
- Euler (AUTOMATIC1111 sd_samplers_common.setup_img2img_steps + sd_samplers_kdiffusion
  .sample_img2img on diffusers' EulerDiscreteScheduler sigmas): t_enc = int(min(s, 0.999) N), the
  sigmas from N - t_enc - 1, x = x0 + sigma noise (t_enc + 1 steps).

Masked runs on a 4-channel UNet keep the known region after every step as diffusers'
StableDiffusionInpaintPipeline does (init latents noised to the next timestep; exact at the end).
A 9-channel inpainting UNet gets cat([latents, mask, masked-image latents], dim=1).
"""

import numpy as np
import torch

from .ddim import DDIMScheduler, make_betas


def encode_mean(vae, image):
    """image [1, 3, H, W] in [-1, 1] -> scaling_factor * posterior mean [1, C, h, w]."""
    moments = vae.encode_moments(image)  # [1, 2C, h, w]
    c = moments.shape[1] // 2
    return moments[:, :c] * vae.config["scaling_factor"]  # [1, C, h, w]


def ddim_timesteps(scheduler, steps, strength):
    """(all timesteps [N], t_start) of diffusers' img2img get_timesteps."""
    timesteps = scheduler.set_timesteps(steps)  # [N]
    init = min(int(steps * strength), steps)
    return timesteps, max(steps - init, 0)


def euler_start(steps, strength):
    """A1111's k-diffusion img2img: index of the first sigma, t_enc + 1 steps run."""
    t_enc = int(min(strength, 0.999) * steps)
    return steps - t_enc - 1


class EulerScheduler:
    """diffusers' EulerDiscreteScheduler (linear interpolation, no Karras, no churn), eps only."""

    def __init__(self, cfg):
        self.ddim = DDIMScheduler(cfg)  # the same config reading, betas and timestep spacings
        a = torch.cumprod(1.0 - make_betas(self.ddim.config), dim=0)  # [T] float32
        self.train_sigmas = (((1 - a) / a) ** 0.5).numpy()  # [T] float32

    def set_timesteps(self, n):
        """timesteps [n] float32, sigmas [n + 1] float32 (last 0), init_noise_sigma."""
        ts = self.ddim.set_timesteps(n).numpy().astype(np.float64)  # leading / trailing integers
        if self.ddim.config["timestep_spacing"] == "linspace":
            t = self.ddim.config["num_train_timesteps"]
            ts = np.linspace(0, t - 1, n, dtype=np.float32)[::-1].copy().astype(np.float64)
        sig = np.interp(ts, np.arange(len(self.train_sigmas)), self.train_sigmas)  # [n] float64
        sig = np.concatenate([sig, [0.0]]).astype(np.float32)  # [n + 1]
        self.timesteps = torch.from_numpy(ts.astype(np.float32))
        self.sigmas = torch.from_numpy(sig)
        return self.timesteps

    def step(self, eps, i, x):
        """x_{i+1} = x + (x - x0) / sigma (sigma_next - sigma), x0 = x - sigma eps."""
        sigma, nxt = self.sigmas[i], self.sigmas[i + 1]
        x0 = x - sigma * eps  # like x
        return x + (x - x0) / sigma * (nxt - sigma), x0


def _guided(unet, x, t, context, scale, extra=None, added=None):
    """eps_u + s (eps_c - eps_u) for one latent [1, C, h, w]; extra [1, C+1, h, w] appended;
    added: SDXL's {text_embeds [2, P], time_ids [2, K]}, batched [uncond, cond] as context."""
    if extra is not None:
        x = torch.cat([x, extra], dim=1)  # [1, 2C + 1, h, w]
    kwargs = {} if added is None else {"added_cond": added}
    eps_u, eps_c = unet(torch.cat([x] * 2), t, context, **kwargs).chunk(2)  # 2 x [1, C, h, w]
    return eps_u + scale * (eps_c - eps_u)


@torch.no_grad()
def img2img(unet, vae, context, scheduler_cfg, sampler, image, noise, steps, guidance, strength,
            keep=None, extra=None, added=None):
    """One guided img2img run. image [1, 3, H, W] in [-1, 1], noise [1, C, h, w] ~ N(0, 1);
    keep [1, 1, h, w] (1 = known) blends the known region after every step; extra is an
    inpainting UNet's [1, C+1, h, w]; added an SDXL UNet's pooled text and time ids.
    Returns dict(timesteps, start, latents, image)."""
    x0 = encode_mean(vae, image)  # [1, C, h, w]
    if sampler == "ddim":
        sched = DDIMScheduler(scheduler_cfg)
        timesteps, first = ddim_timesteps(sched, steps, strength)
        run = timesteps[first:]  # [init]
        x = sched.add_noise(x0, noise, run[0])  # [1, C, h, w]
        start = x
        for i, t in enumerate(run):
            eps = _guided(unet, x, t, context, guidance, extra, added)  # [1, C, h, w]
            x, _ = sched.step(eps, t, x)
            if keep is not None:
                known = sched.add_noise(x0, noise, run[i + 1]) if i + 1 < len(run) else x0
                x = keep * known + (1 - keep) * x  # diffusers' inpaint blend
    else:
        sched = EulerScheduler(scheduler_cfg)
        sched.set_timesteps(steps)
        first = euler_start(steps, strength)
        run = sched.timesteps[first:]
        x = x0 + sched.sigmas[first] * noise  # [1, C, h, w]
        start = x
        for k in range(first, steps):
            sigma = sched.sigmas[k]
            model_in = x / ((sigma ** 2 + 1) ** 0.5)  # scale_model_input
            eps = _guided(unet, model_in, sched.timesteps[k], context, guidance, extra, added)
            x, _ = sched.step(eps, k, x)
            if keep is not None:
                x = keep * (x0 + sched.sigmas[k + 1] * noise) + (1 - keep) * x
    decoded = vae.decode(x / vae.config["scaling_factor"])  # [1, 3, H, W]
    return {"timesteps": run.float(), "start": start, "latents": x,
            "image": (decoded / 2 + 0.5).clamp(0, 1)}


def inpaint_extra(vae, image, mask):
    """An inpainting UNet's extra input: image [1, 3, H, W] in [-1, 1], mask [1, 1, H, W] in {0, 1}
    (1 = repaint) -> cat([nearest mask at latent size, latents of image * (1 - mask)])."""
    masked = image * (1 - mask)  # [1, 3, H, W]
    z = encode_mean(vae, masked)  # [1, C, h, w]
    small = torch.nn.functional.interpolate(mask, size=z.shape[-2:])  # [1, 1, h, w], nearest
    return torch.cat([small, z], dim=1)  # [1, C + 1, h, w]
