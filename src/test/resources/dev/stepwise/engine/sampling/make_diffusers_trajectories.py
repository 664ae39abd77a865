#!/usr/bin/python3
"""Writes diffusers_trajectories.json: whole sampling runs of diffusers' own schedulers, stored
gzipped (diffusers_trajectories.json.gz) to keep the repository small.

Usage (no diffusers install needed, only torch and numpy):
    /usr/bin/python3 make_diffusers_trajectories.py DIR | gzip -9n > diffusers_trajectories.json.gz
where DIR holds unmodified scheduling_{ddpm,ddim,euler_discrete,euler_ancestral_discrete,
dpmsolver_multistep}.py from huggingface/diffusers src/diffusers/schedulers (used: 58eb52c).
The few diffusers helpers they import (config decorator, randn_tensor, ...) are stubbed below
with the same behaviour. Each run follows pipeline_stable_diffusion.py: one CPU generator per
image seeded with seed + i, latents = randn_tensor(shape, generator) * init_noise_sigma, then
scale_model_input -> model -> step(..., generator) for every timestep. The model is a toy that
Java reproduces exactly in float32: out = 0.6 * input + c, with c a fixed float32 table.
Floats are stored as hex float32 bits.
"""
import dataclasses
import enum
import functools
import importlib.util
import inspect
import json
import logging as pylogging
import sys
import types

import torch

SRC = sys.argv[1]

def make_module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m

class Config(types.SimpleNamespace):
    pass

def register_to_config(init):
    sig = inspect.signature(init)
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        values.pop("self")
        self.config = Config(**values)
        init(self, *args, **kwargs)
    return wrapper

def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
    shape = tuple(shape)
    if isinstance(generator, list) and len(generator) == 1:
        generator = generator[0]
    if isinstance(generator, list):
        one = (1,) + shape[1:]
        return torch.cat([torch.randn(one, generator=g, dtype=dtype) for g in generator], dim=0)
    return torch.randn(shape, generator=generator, dtype=dtype)

class BaseOutput:
    pass

class SchedulerMixin:
    pass

@dataclasses.dataclass
class SchedulerOutput(BaseOutput):
    prev_sample: torch.Tensor

make_module("diffusers").__path__ = []
make_module("diffusers.schedulers").__path__ = []
make_module("diffusers.configuration_utils", ConfigMixin=object, register_to_config=register_to_config)
make_module("diffusers.utils", BaseOutput=BaseOutput, deprecate=lambda *a, **k: None,
            is_scipy_available=lambda: False, logging=types.SimpleNamespace(get_logger=pylogging.getLogger))
make_module("diffusers.utils.torch_utils", randn_tensor=randn_tensor)
make_module("diffusers.schedulers.scheduling_utils",
            KarrasDiffusionSchedulers=enum.Enum("KarrasDiffusionSchedulers", "DDIMScheduler"),
            SchedulerMixin=SchedulerMixin, SchedulerOutput=SchedulerOutput)

def load(name):
    full = "diffusers.schedulers." + name
    spec = importlib.util.spec_from_file_location(full, f"{SRC}/{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[full] = mod
    spec.loader.exec_module(mod)
    return mod

CLASSES = {
    "ddpm": load("scheduling_ddpm").DDPMScheduler,
    "ddim": load("scheduling_ddim").DDIMScheduler,
    "euler": load("scheduling_euler_discrete").EulerDiscreteScheduler,
    "euler_a": load("scheduling_euler_ancestral_discrete").EulerAncestralDiscreteScheduler,
    "dpmpp_2m": load("scheduling_dpmsolver_multistep").DPMSolverMultistepScheduler,
}

# runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json (no timestep_spacing key)
SD = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
          num_train_timesteps=1000, steps_offset=1, clip_sample=False, set_alpha_to_one=False)
SHAPE = (2, 4, 2, 5)
C_TABLE = (torch.arange(40, dtype=torch.float32) * 0.37).sin() * 0.25  # [40] float32

def bits(t):
    return [format(v & 0xFFFFFFFF, "08x") for v in t.contiguous().view(torch.int32).reshape(-1).tolist()]

def run(name, kind, steps, seed, extra_config, eta=None):
    cfg = dict(SD)
    cfg.update(extra_config)
    accepted = inspect.signature(CLASSES[kind].__init__).parameters
    unknown = [k for k in cfg if k not in accepted]
    assert not unknown or unknown == ["set_alpha_to_one"] or unknown == ["clip_sample"] or set(unknown) <= {"set_alpha_to_one", "clip_sample"}, unknown
    sched = CLASSES[kind](**{k: v for k, v in cfg.items() if k in accepted})
    sched.set_timesteps(steps)
    gens = [torch.Generator().manual_seed(seed + i) for i in range(SHAPE[0])]
    latents = randn_tensor(SHAPE, generator=gens, dtype=torch.float32) * sched.init_noise_sigma
    c = C_TABLE.repeat(SHAPE[0]).reshape(SHAPE)
    record = {"name": name, "sampler": kind, "steps": steps, "seed": seed, "config": cfg,
              "eta": eta, "init_noise_sigma": float(sched.init_noise_sigma),
              "initial": bits(latents), "steps_out": []}
    for t in sched.timesteps:
        inp = sched.scale_model_input(latents, t)
        out = inp * 0.6 + c
        kwargs = {"generator": gens}
        if eta is not None:
            kwargs["eta"] = eta
        res = sched.step(out, t, latents, return_dict=False, **kwargs)
        latents = res[0]
        step = {"timestep": float(t), "latents": bits(latents)}
        if kind == "ddpm" and len(res) > 1 and res[1] is not None:
            step["x0"] = bits(res[1])
        record["steps_out"].append(step)
    return record

runs = [
    run("ddpm_fixed_large", "ddpm", 8, 10, {"variance_type": "fixed_large"}),
    run("ddpm_fixed_small", "ddpm", 8, 11, {}),
    run("ddim", "ddim", 10, 12, {}),
    run("ddim_eta", "ddim", 10, 13, {}, eta=0.5),
    run("ddim_v_trailing", "ddim", 7, 14, {"prediction_type": "v_prediction", "timestep_spacing": "trailing"}),
    run("euler", "euler", 10, 15, {}),
    run("euler_leading", "euler", 10, 16, {"timestep_spacing": "leading"}),
    run("euler_karras", "euler", 12, 17, {"use_karras_sigmas": True}),
    run("euler_v", "euler", 9, 18, {"prediction_type": "v_prediction"}),
    run("euler_a", "euler_a", 10, 19, {}),
    run("euler_a_trailing", "euler_a", 6, 20, {"timestep_spacing": "trailing"}),
    run("dpmpp_2m", "dpmpp_2m", 10, 21, {}),
    run("dpmpp_2m_20", "dpmpp_2m", 20, 22, {}),
    run("dpmpp_2m_karras", "dpmpp_2m", 15, 23, {"use_karras_sigmas": True}),
    run("dpmpp_2m_v_leading", "dpmpp_2m", 8, 24, {"prediction_type": "v_prediction", "timestep_spacing": "leading"}),
]
print(json.dumps({"torch": torch.__version__, "c_table": bits(C_TABLE), "runs": runs}))
