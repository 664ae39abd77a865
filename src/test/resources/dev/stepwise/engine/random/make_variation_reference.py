#!/usr/bin/python3
"""Writes variation_reference.json: A1111's variation noise computed by torch on the CPU.

/usr/bin/python3 make_variation_reference.py > variation_reference.json (torch 1.13, AVX2 x86-64).
Per case: slerp(t, randn([C, H, W]) of seed, randn of variation seed) as modules/rng.py's slerp
(unit vectors along dim 1, lerp main * t + var * (1 - t) when the mean dot product > 0.9995).
"""
import json

import torch

SHAPE = (4, 2, 3)  # 24 values: randn's 16-block tail path
CASES = [(1, 2, 0.1), (1000, 2**32 + 3, 0.5), (5, 5, 0.3)]


def noise(seed):
    return torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed))


def slerp(t, low, high):
    dot = (low / low.norm(dim=1, keepdim=True) * high / high.norm(dim=1, keepdim=True)).sum(1)
    if dot.mean() > 0.9995:
        return low * t + high * (1 - t)
    om = torch.acos(dot)  # [C, W]
    return ((torch.sin((1 - t) * om) / torch.sin(om)).unsqueeze(1) * low
            + (torch.sin(t * om) / torch.sin(om)).unsqueeze(1) * high)


print(json.dumps([{"seed": str(s), "variation_seed": str(v), "strength": t,
                   "out": [float(format(x, ".9g")) for x in slerp(t, noise(s), noise(v)).flatten().tolist()]}
                  for s, v, t in CASES], separators=(",", ":")))
