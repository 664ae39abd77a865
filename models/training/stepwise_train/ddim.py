"""DDIM scheduler math (Song et al. 2021, "Denoising Diffusion Implicit Models").

Mirrors diffusers schedulers/scheduling_ddim.py: betas (scaled_linear / linear) in float32,
alphas_cumprod, set_timesteps with leading / trailing / linspace spacing and steps_offset,
and step() for epsilon, v_prediction and sample parameterisations. eta = 0 is the
deterministic sampler; eta > 0 needs a generator.
"""

import numpy as np
import torch

SCHEDULER_DEFAULTS = {
    "num_train_timesteps": 1000, "beta_start": 0.0001, "beta_end": 0.02,
    "beta_schedule": "linear", "trained_betas": None, "clip_sample": True,
    "set_alpha_to_one": True, "steps_offset": 0, "prediction_type": "epsilon",
    "thresholding": False, "clip_sample_range": 1.0, "timestep_spacing": "leading",
    "rescale_betas_zero_snr": False,
}


def make_betas(cfg):
    """[T] float32 betas. scaled_linear: linspace(sqrt(b0), sqrt(b1), T)^2 (SD/LDM schedule)."""
    t = cfg["num_train_timesteps"]
    if cfg["trained_betas"] is not None:
        return torch.tensor(cfg["trained_betas"], dtype=torch.float32)  # [T]
    if cfg["beta_schedule"] == "linear":
        return torch.linspace(cfg["beta_start"], cfg["beta_end"], t, dtype=torch.float32)  # [T]
    if cfg["beta_schedule"] == "scaled_linear":
        return torch.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, t,
                              dtype=torch.float32) ** 2  # [T]
    raise ValueError(f"beta_schedule {cfg['beta_schedule']!r} is not one of "
                     "'linear', 'scaled_linear'")


class DDIMScheduler:
    """x_prev = sqrt(a') x0 + sqrt(1 - a' - sigma^2) eps + sigma z (eq. 12 of Song et al.)."""

    def __init__(self, cfg=None):
        full = dict(SCHEDULER_DEFAULTS)
        full.update({k: v for k, v in (cfg or {}).items() if k in SCHEDULER_DEFAULTS})
        if full["thresholding"] or full["rescale_betas_zero_snr"]:
            raise ValueError("thresholding and rescale_betas_zero_snr are not supported")
        if full["prediction_type"] not in ("epsilon", "v_prediction", "sample"):
            raise ValueError(f"prediction_type {full['prediction_type']!r} is not one of "
                             "'epsilon', 'v_prediction', 'sample'")
        self.config = full
        self.betas = make_betas(full)  # [T]
        self.alphas_cumprod = torch.cumprod(1.0 - self.betas, dim=0)  # [T]
        self.final_alpha_cumprod = (torch.tensor(1.0) if full["set_alpha_to_one"]
                                    else self.alphas_cumprod[0])  # []
        self.init_noise_sigma = 1.0
        self.num_inference_steps = None
        self.timesteps = None

    def set_timesteps(self, n):
        """Choose n of the T training timesteps, descending (diffusers set_timesteps)."""
        t_train = self.config["num_train_timesteps"]
        if not 1 <= n <= t_train:
            raise ValueError(f"num_inference_steps {n} must be between 1 and {t_train}")
        spacing = self.config["timestep_spacing"]
        if spacing == "leading":
            ratio = t_train // n
            ts = (np.arange(0, n) * ratio).round()[::-1].astype(np.int64)
            ts = ts + self.config["steps_offset"]
        elif spacing == "trailing":
            ts = np.round(np.arange(t_train, 0, -t_train / n)).astype(np.int64) - 1
        elif spacing == "linspace":
            ts = np.linspace(0, t_train - 1, n).round()[::-1].astype(np.int64)
        else:
            raise ValueError(f"timestep_spacing {spacing!r} is not one of "
                             "'leading', 'trailing', 'linspace'")
        self.num_inference_steps = n
        self.timesteps = torch.from_numpy(ts.copy())  # [n]
        return self.timesteps

    def scale_model_input(self, sample, timestep=None):
        return sample  # DDIM does not rescale the UNet input

    def _alphas(self, timestep):
        prev = int(timestep) - self.config["num_train_timesteps"] // self.num_inference_steps
        a = self.alphas_cumprod[int(timestep)]  # []
        a_prev = self.alphas_cumprod[prev] if prev >= 0 else self.final_alpha_cumprod  # []
        return a, a_prev

    def predict_x0_eps(self, model_output, timestep, sample):
        """(x0, eps) from the model output under the configured parameterisation.

        epsilon: x0 = (x - sqrt(1-a) eps) / sqrt(a); v (Salimans & Ho 2022): x0 = sqrt(a) x -
        sqrt(1-a) v, eps = sqrt(a) v + sqrt(1-a) x; sample: eps = (x - sqrt(a) x0)/sqrt(1-a).
        """
        a, _ = self._alphas(timestep)
        b = 1 - a  # []
        kind = self.config["prediction_type"]
        if kind == "epsilon":
            x0 = (sample - b ** 0.5 * model_output) / a ** 0.5  # like sample
            eps = model_output
        elif kind == "v_prediction":
            x0 = a ** 0.5 * sample - b ** 0.5 * model_output  # like sample
            eps = a ** 0.5 * model_output + b ** 0.5 * sample  # like sample
        else:
            x0 = model_output
            eps = (sample - a ** 0.5 * x0) / b ** 0.5  # like sample
        return x0, eps

    def step(self, model_output, timestep, sample, eta=0.0, generator=None):
        """One DDIM update; returns (prev_sample, pred_original_sample)."""
        if self.num_inference_steps is None:
            raise ValueError("call set_timesteps before step")
        a, a_prev = self._alphas(timestep)
        x0, eps = self.predict_x0_eps(model_output, timestep, sample)
        if self.config["clip_sample"]:
            r = self.config["clip_sample_range"]
            x0 = x0.clamp(-r, r)  # like sample
        # sigma_t^2 = (1-a')/(1-a) * (1 - a/a') (Song et al. eq. 16), scaled by eta.
        variance = (1 - a_prev) / (1 - a) * (1 - a / a_prev)  # []
        std = eta * variance ** 0.5  # []
        direction = (1 - a_prev - std ** 2) ** 0.5 * eps  # like sample
        prev = a_prev ** 0.5 * x0 + direction  # like sample
        if eta > 0:
            noise = torch.randn(sample.shape, generator=generator, dtype=sample.dtype)
            prev = prev + std * noise.to(sample.device)  # like sample
        return prev, x0

    def add_noise(self, x0, noise, timestep):
        """q(x_t | x0): sqrt(a) x0 + sqrt(1-a) noise (Ho et al. 2020 eq. 4)."""
        a = self.alphas_cumprod[int(timestep)]  # []
        return a ** 0.5 * x0 + (1 - a) ** 0.5 * noise  # like x0
