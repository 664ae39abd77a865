"""Goldens for the shipped pack: PyTorch outputs the Java parity tests compare against.

Usage (from the repository root):

    /usr/bin/python3 models/training/make_pack_goldens.py [--pack models/stepwise-emoji] \\
        [--out src/test/resources/golden/stepwise-emoji.safetensors]

Keys follow docs/goldens.md (unet.*, vae.*, text.*, ddim.*) plus tokenizer.eval_ids, the ids of
every caption of dataset/eval_captions.txt (the captions are in the file's __metadata__), and,
when the pack has its preview decoder (vae_preview/), vae_preview.decode.{z,out}.
Rerun whenever the pack changes (its preview decoder included).
"""

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from stepwise_train import export_goldens  # noqa: E402
from stepwise_train.export_core import read_eval_captions  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description="Goldens for a shipped Stepwise pack.")
    p.add_argument("--pack", default=os.path.join(ROOT, "models", "stepwise-emoji"))
    p.add_argument("--out", default=os.path.join(ROOT, "src", "test", "resources", "golden",
                                                 "stepwise-emoji.safetensors"))
    p.add_argument("--eval-captions", default=os.path.join(HERE, "dataset", "eval_captions.txt"))
    args = p.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        gold = export_goldens.write(args.pack, read_eval_captions(args.eval_captions), args.out)
    finally:
        torch.set_num_threads(threads)
    print(f"wrote {args.out} ({os.path.getsize(args.out):,} bytes): "
          + ", ".join(f"{k}{list(v.shape)}" for k, v in gold.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
