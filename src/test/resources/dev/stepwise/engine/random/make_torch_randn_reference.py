#!/usr/bin/python3
"""Writes torch_randn_reference.json: float32 bits of torch.randn on the CPU generator.

Run with PyTorch (tested with Debian's 1.13.1 on an AVX2 x86-64 CPU):
    /usr/bin/python3 make_torch_randn_reference.py > torch_randn_reference.json
Each case seeds torch.Generator().manual_seed(seed) and makes the listed randn calls in order on
that one generator. Small results are stored in full as hex float bits; large ones as the SHA-256 of
their little-endian bytes plus their first and last 8 values.
"""
import hashlib
import json

import torch

print_cases = []
CASES = [
    (0, [1]), (0, [2]), (0, [5, 5]), (1, [15]), (42, [16]), (42, [17]), (7, [31]), (7, [33]),
    (123, [100]), (2**32 + 123, [100]), (-1, [40]), (2**63 - 1, [3, 20]), (5, [20, 3, 3]),
    (1234, [1000]), (1234, [4 * 64 * 64, 4 * 64 * 64]), (99, [4 * 8 * 8, 4 * 8 * 8, 4 * 8 * 8]),
    (3, [4 * 9 * 7]),
]

def bits(t):
    return [format(v, "08x") for v in t.contiguous().view(torch.int32).tolist() for v in [v & 0xFFFFFFFF]]

for seed, sizes in CASES:
    g = torch.Generator().manual_seed(seed)
    calls = []
    for n in sizes:
        t = torch.randn(n, generator=g, dtype=torch.float32)
        b = bits(t)
        if n <= 256:
            calls.append({"n": n, "bits": b})
        else:
            sha = hashlib.sha256(t.numpy().astype("<f4").tobytes()).hexdigest()
            calls.append({"n": n, "sha256": sha, "head": b[:8], "tail": b[-8:]})
    print_cases.append({"seed": str(seed), "calls": calls})

print(json.dumps({"torch": torch.__version__, "cases": print_cases}, indent=1))
