"""Speckle check of an autoencoder alone: dataset images encoded, decoded and measured.

  /usr/bin/python3 models/training/eval/ae_artefacts.py --autoencoder models/stepwise-emoji \
      --data models/training/data/emoji [--images 160 --seed 1 --config CFG --out FILE]

--autoencoder: a pack folder (vae/) or a run folder with autoencoder.safetensors (its
config.json, else --config, gives the architecture). Reconstructs --images dataset images (a
seeded shuffle) as decode(posterior mean) and prints eval/artefacts.py's summary next to that of
the clean images: the speck's source checked before a diffusion run is spent on it.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

import train_diffusion  # noqa: E402
from eval import artefacts  # noqa: E402
from eval.data import DataError, Dataset  # noqa: E402
from stepwise_train.train_common import TrainError, load_config  # noqa: E402


def load_vae(folder, config=None):
    if os.path.isdir(os.path.join(folder, "vae")):
        from eval.generate import load_pack
        return load_pack(folder)["vae"].eval()
    cfg = load_config(config) if config else {"vae": None}
    if cfg["vae"] is None and not os.path.exists(os.path.join(folder, "config.json")):
        raise TrainError(f"{folder} has no config.json; pass --config")
    return train_diffusion.load_autoencoder_run(folder, cfg)[0]


@torch.no_grad()
def check(vae, data, count, seed=1, batch=16):
    """(clean summary, reconstruction summary, chosen indices)."""
    ds = Dataset(data)
    picks = sorted(random.Random(seed).sample(range(len(ds)), min(count, len(ds))))
    clean = torch.stack([torch.from_numpy(ds.image(i).copy()).permute(2, 0, 1)
                         for i in picks]).float() / 255  # [M, 3, S, S]
    out = []
    for k in range(0, len(picks), batch):
        post = vae.encode(clean[k:k + batch] * 2 - 1)
        out.append((vae.decode(post.mean) / 2 + 0.5).clamp(0, 1))  # [b, 3, S, S]
    recon = (torch.cat(out) * 255).round() / 255  # [M, 3, S, S], 8-bit as a PNG would hold
    return artefacts.summary(clean), artefacts.summary(recon), picks


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--autoencoder", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--images", type=int, default=160)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--config")
    p.add_argument("--out")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    if a.images < 1:
        p.error(f"--images {a.images} must be at least 1")
    torch.set_num_threads(a.threads)
    try:
        clean, recon, picks = check(load_vae(a.autoencoder, a.config), a.data, a.images, a.seed)
    except (DataError, TrainError, OSError, ValueError) as e:
        print(f"ae_artefacts: {e}", file=sys.stderr)
        return 1
    report = {"autoencoder": a.autoencoder, "data": a.data, "seed": a.seed, "indices": picks,
              "clean": clean, "reconstructed": recon}
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    print(f"speckle: reconstructions {recon['flagged']} of {recon['n']} flagged "
          f"({recon['specks']} specks); the clean images {clean['flagged']} ({clean['specks']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
