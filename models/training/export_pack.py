"""Export a training run as the diffusers-layout pack the Java engine loads.

Usage (from the repository root):

    /usr/bin/python3 models/training/export_pack.py \\
        --config models/training/configs/stepwise-emoji.json --run models/training/runs/R \\
        --out models/stepwise-emoji [--data DATASET.swpack]

Writes model_index.json, unet/ vae/ text_encoder/ (config.json + fp16 safetensors, sharded at
16 MiB with index.json), tokenizer/ (WordLevel tokenizer.json from the run's vocab.json),
scheduler/, preview/latent_rgb.json (least squares on dataset images, or synthetic colour
fields without --data), samples.png and README.md (model card). --preview-run DIR adds the
live-preview decoder of a train_preview_decoder.py run distilled from this run's autoencoder
(vae_preview/ and the card's "Preview decoder" section; refused when it was distilled from
another autoencoder). The pack, preview decoder included, is checked against the 24 MB budget
and renamed into place only when complete. Exit status 2 on a refused export.
"""

import argparse
import importlib.util
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from stepwise_train import attention  # noqa: E402
from stepwise_train.export_core import (  # noqa: E402
    ExportError, export, read_eval_captions, read_history)


def hardware_arg(value):
    """--hardware: "cpu" or "gpu", optionally ":<name>"."""
    if value.partition(":")[0] not in ("cpu", "gpu"):
        raise argparse.ArgumentTypeError(f"{value!r} is not cpu or gpu (optionally cpu:NAME / gpu:NAME)")
    return value


def load_dataset_captions(path):
    """The distinct captions of a dataset pack file, sorted: the pack's prompts.txt."""
    spec = importlib.util.spec_from_file_location("stepwise_dataset_pack",
                                                  os.path.join(HERE, "dataset", "pack.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return sorted(set(module.load(path).captions))


def load_dataset_images(path, count):
    """Up to count evenly spaced images of a dataset pack file -> [N, 3, H, W] in [-1, 1]."""
    spec = importlib.util.spec_from_file_location("stepwise_dataset_pack",
                                                  os.path.join(HERE, "dataset", "pack.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data = module.load(path)
    n = len(data)
    if n == 0:
        raise ExportError(f"{path} holds no images")
    picks = sorted(set((i * n) // min(n, count) for i in range(min(n, count))))
    pixels = torch.from_numpy(data.images(picks)).float()  # [N, H, W, 3] in 0..255
    return pixels.permute(0, 3, 1, 2) / 127.5 - 1.0  # [N, 3, H, W] in [-1, 1]


def main(argv=None):
    p = argparse.ArgumentParser(description="Export a training run as a Stepwise model pack.")
    p.add_argument("--config", required=True, help="models/training/configs/<name>.json")
    p.add_argument("--run", required=True, help="run folder (autoencoder.*, diffusion_ema.*, ...)")
    p.add_argument("--out", required=True, help="pack folder to write (replaced atomically)")
    p.add_argument("--data", help="dataset pack file for the preview fit (default: synthetic)")
    p.add_argument("--preview-images", type=int, default=256)
    p.add_argument("--eval-captions", default=os.path.join(HERE, "dataset", "eval_captions.txt"))
    p.add_argument("--attribution", default=os.path.join(HERE, "dataset", "ATTRIBUTION.md"))
    p.add_argument("--samples", type=int, default=8, help="captions in the sample grid")
    p.add_argument("--sample-steps", type=int, default=20,
                   help="DDIM steps of the sample grid (the Java CLI's default)")
    p.add_argument("--guidance", type=float, default=5.0,
                   help="guidance scale of the sample grid (the Java CLI's default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pad-token", choices=["<eos>", "<pad>"],
                   help="padding token (default: from the config, else <eos>)")
    p.add_argument("--hardware", type=hardware_arg,
                   help="what trained the weights: cpu or gpu, optionally with a name "
                        "(gpu:NVIDIA H200); default: read from the run files")
    p.add_argument("--history-from", metavar="PACK_OR_FILE",
                   help="the pack this one replaces (its history.json), or a history JSON file: "
                        "the new pack's history continues that list")
    p.add_argument("--note", default="", help="one line on this run for the history table")
    p.add_argument("--preview-run", metavar="DIR",
                   help="a train_preview_decoder.py run folder (student.safetensors, student.json, "
                        "preview.json) distilled from this run's autoencoder, or a pack's "
                        "vae_preview/ made for it: written as vae_preview/")
    args = p.parse_args(argv)
    previous = attention.get_backend()
    attention.set_backend("manual")  # the sample grid uses the path the goldens use
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg = json.load(f)
        with open(args.attribution, encoding="utf-8") as f:
            attribution = f.read()
        images = load_dataset_images(args.data, args.preview_images) if args.data else None
        summary = export(cfg, args.run, args.out, read_eval_captions(args.eval_captions),
                         attribution, images,
                         {"samples": args.samples, "sample_steps": args.sample_steps,
                          "guidance": args.guidance, "seed": args.seed,
                          "pad_token": args.pad_token, "hardware": args.hardware,
                          "history": read_history(args.history_from) if args.history_from else [],
                          "prompts": load_dataset_captions(args.data) if args.data else [],
                          "note": args.note, "preview_run": args.preview_run})
    except (ExportError, ValueError, OSError) as e:
        print(f"export_pack.py: {e}", file=sys.stderr)
        return 2
    finally:
        attention.set_backend(previous)
    print(f"wrote {summary['out']}: {summary['bytes']:,} bytes, parameters {summary['params']}, "
          f"preview fitted on {summary['preview_source']}"
          + (f", preview decoder in {summary['preview_decoder']}/"
             if summary.get("preview_decoder") else ""))
    if summary["unknown_words"]:
        print("warning: sample captions use words outside the vocabulary: "
              + ", ".join(summary["unknown_words"]))
    for name, size in summary["files"]:
        print(f"  {name} {size:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
