#!/usr/bin/python3
"""Writes variation_reference.json: A1111's variation-seed noise, computed by torch on the CPU.

Run with PyTorch (tested with 1.13 on an AVX2 x86-64 CPU):
    /usr/bin/python3 make_variation_reference.py > variation_reference.json
For each case: main = randn([C, H, W]) from torch.Generator().manual_seed(seed), var = the same
from manual_seed(variation_seed), and out = A1111's slerp(strength, main, var) as in
AUTOMATIC1111 modules/rng.py (ImageRNG.first calls it per image on a [C, H, W] tensor): unit
vectors along dim 1 (H), their dot product summed over dim 1, a lerp written as
main * strength + var * (1 - strength) when the dot product's mean is above 0.9995, else
sin((1 - t) omega) / sin(omega) * main + sin(t omega) / sin(omega) * var with omega = acos(dot)
broadcast back over dim 1. Values are stored with 9 significant digits (float32 round-trips).
"""
import json

import torch

SHAPE = (4, 3, 5)  # [C, H, W]: 60 values, so randn takes its 16-block tail path
CASES = [(1, 2, 0.1), (1, 2, 0.5), (42, 7, 1.0), (5, 5, 0.3), (1000, 2**32 + 3, 0.05)]


def noise(seed):
    return torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)


def a1111_slerp(t, low, high):
    unit_low = low / low.norm(dim=1, keepdim=True)  # [C, 1, W] norms over H
    unit_high = high / high.norm(dim=1, keepdim=True)
    dot = (unit_low * unit_high).sum(dim=1)  # [C, W]
    if dot.mean() > 0.9995:
        return low * t + high * (1 - t), True
    omega = torch.acos(dot)  # [C, W]
    so = torch.sin(omega)
    a = (torch.sin((1.0 - t) * omega) / so).unsqueeze(1)  # [C, 1, W]
    b = (torch.sin(t * omega) / so).unsqueeze(1)
    return a * low + b * high, False


cases = []
for seed, var, t in CASES:
    out, linear = a1111_slerp(t, noise(seed), noise(var))
    cases.append({
        "seed": str(seed), "variation_seed": str(var), "strength": t, "linear": linear,
        "out": [float(format(v, ".9g")) for v in out.flatten().tolist()],
    })
print(json.dumps({"torch": torch.__version__, "shape": list(SHAPE), "cases": cases},
                 separators=(",", ":")))
