#!/usr/bin/python3
"""Writes schedule_reference.json (committed gzipped): float32 bits of betas and alphas_cumprod as diffusers builds them.

The formulas are those of diffusers' schedulers (scheduling_ddim.py __init__), run with torch:
    /usr/bin/python3 make_schedule_reference.py | gzip -9n > schedule_reference.json.gz
Tested with Debian's torch 1.13.1 on an AVX2 x86-64 CPU.
"""
import json
import math

import torch

def cosine_betas(n, max_beta=0.999):
    f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return torch.tensor([min(1 - f((i + 1) / n) / f(i / n), max_beta) for i in range(n)],
                        dtype=torch.float32)

def bits(t):
    return [format(v & 0xFFFFFFFF, "08x") for v in t.contiguous().view(torch.int32).tolist()]

cases = []
for name, b0, b1, sched, n in [
    ("sd", 0.00085, 0.012, "scaled_linear", 1000),
    ("default", 0.0001, 0.02, "linear", 1000),
    ("linear1008", 0.0001, 0.02, "linear", 1008),
    ("scaled37", 0.00085, 0.012, "scaled_linear", 37),
    ("cosine", 0.0001, 0.02, "squaredcos_cap_v2", 1000),
]:
    if sched == "linear":
        betas = torch.linspace(b0, b1, n, dtype=torch.float32)
    elif sched == "scaled_linear":
        betas = torch.linspace(b0 ** 0.5, b1 ** 0.5, n, dtype=torch.float32) ** 2
    else:
        betas = cosine_betas(n)
    abar = torch.cumprod(1.0 - betas, dim=0)
    sigmas = ((1 - abar) / abar) ** 0.5
    cases.append({"name": name, "beta_start": b0, "beta_end": b1, "beta_schedule": sched,
                  "num_train_timesteps": n, "betas": bits(betas), "alphas_cumprod": bits(abar),
                  "sigmas": bits(sigmas)})
print(json.dumps({"torch": torch.__version__, "cases": cases}))
