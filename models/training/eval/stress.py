"""How lenient the judge is: its accuracy on the evaluation captions' real images, degraded.

  /usr/bin/python3 models/training/eval/stress.py --data models/training/data/emoji \
      --judge models/training/runs/judge

Prints one line per degradation (blur, noise, down-and-up sampling, shift, scale, a flat mean
colour) with name top-1, style, both and the share answered <other>, to read evaluate.py's
figures against: what a judge still credits is what a generated image can get credit for.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from eval import metrics  # noqa: E402
from eval.data import judge_input  # noqa: E402
from eval.evaluate import _real_images, load_judge  # noqa: E402
from eval.judge_train import judge_items  # noqa: E402


def _pil_blur(x, radius):
    out = []
    for im in x:  # im [3, H, W]
        p = Image.fromarray((im.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
        p = p.filter(ImageFilter.GaussianBlur(radius))
        out.append(torch.from_numpy(np.asarray(p).copy()).permute(2, 0, 1).float() / 255)
    return torch.stack(out)  # [N, 3, H, W]


def _down_up(x, px):
    small = F.interpolate(x, size=px, mode="area")  # [N, 3, px, px]
    return F.interpolate(small, size=x.shape[-1], mode="bilinear", align_corners=False)


def degradations(x, seed=0):
    """(label, images) pairs; x [N, 3, H, W] in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    size = x.shape[-1]
    pad = size // 8
    yield "clean", x
    for r in (2, 4, 6):
        yield f"Gaussian blur radius {r} px (of {size})", _pil_blur(x, r)
    for s in (0.1, 0.2):
        yield f"Gaussian noise {s}", (x + s * torch.randn(x.shape, generator=g)).clamp(0, 1)
    for px in (16, 8, 4):
        yield f"down to {px} px and up", _down_up(x, px)
    yield f"shifted {size // 10} px (wrapping)", torch.roll(x, size // 10, dims=3)
    yield "scaled to 75% on white", F.pad(F.interpolate(x, size=size - 2 * pad, mode="area")
                                          - 1, (pad, pad, pad, pad)) + 1
    yield "flat mean colour", x.mean((2, 3), keepdim=True).expand_as(x).clone()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--judge", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    model, info = load_judge(a.judge)
    images, rows = _real_images(a.data, info["eval_captions"])  # [N, 3, H, W]
    print("| degradation | name top-1 | style | both | <other> |\n|---|---|---|---|---|")
    for label, x in degradations(images):
        s = metrics.score(judge_items(model, judge_input(x, info["size"]), rows,
                                      info["names"], info["styles"]))
        print(f"| {label} | {s['name_top1']:.1%} | {s['style']:.1%} | {s['both']:.1%} | "
              f"{s['predicted_other']:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
