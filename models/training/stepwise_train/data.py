"""Training data: the dataset stage's pack file or built folder, and precomputed latents files.

Images come back as one uint8 array [N, S, S, 3] plus captions and the vocab.json object.
A latents file is a safetensors file (safetensors_io) with
  "latents" F16 [N, C, h, w]: posterior means of the frozen autoencoder, UNSCALED
  __metadata__: "captions" (JSON list), "vocab" (JSON vocab.json object),
                "scaling_factor", "autoencoder_steps", "format" = "stepwise-latents-1".
"""

import importlib.util
import json
import os

import numpy as np
import torch
from PIL import Image

from . import safetensors_io
from .train_common import TrainError, read_json

LATENTS_FORMAT = "stepwise-latents-1"
_DATASET_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "dataset")


def _dataset_pack_module():
    """models/training/dataset/pack.py, imported by path (it is a script folder, no package)."""
    spec = importlib.util.spec_from_file_location("stepwise_dataset_pack",
                                                  os.path.join(_DATASET_DIR, "pack.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ImageSet:
    """images uint8 [N, S, S, 3], captions list[str], vocab (vocab.json object)."""

    def __init__(self, images, captions, vocab, source):
        self.images = images
        self.captions = captions
        self.vocab = vocab
        self.source = source

    def __len__(self):
        return len(self.captions)


def _load_folder(folder, size):
    path = os.path.join(folder, "captions.jsonl")
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    if not records:
        raise TrainError(f"{path} lists no images")
    images = np.zeros((len(records), size, size, 3), dtype=np.uint8)  # [N, S, S, 3]
    for i, record in enumerate(records):
        with Image.open(os.path.join(folder, record["file"])) as im:
            im = im.convert("RGB")
            if im.size != (size, size):
                raise TrainError(f"{record['file']} is {im.size[0]}x{im.size[1]}, the config "
                                 f"needs {size}x{size}")
            images[i] = np.asarray(im, dtype=np.uint8)  # [S, S, 3]
    vocab = read_json(os.path.join(folder, "vocab.json"))
    return ImageSet(images, [r["caption"] for r in records], vocab, folder)


def _load_pack(path, size, limit=0):
    ds = _dataset_pack_module().load(path)
    if ds.pixels != size:
        raise TrainError(f"pack {path} holds {ds.pixels}px images, the config needs {size}px")
    if not ds.vocab:
        raise TrainError(f"pack {path} carries no vocab")
    picks = range(min(limit, len(ds)) if limit else len(ds))  # decode only what is used
    captions = list(ds.captions)[:len(picks)]
    return ImageSet(ds.images(picks), captions, ds.vocab, path)  # [N, S, S, 3]


def load_images(path, size, limit=0):
    """A built dataset folder (captions.jsonl) or a .swpack file -> ImageSet."""
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "captions.jsonl")):
            raise TrainError(f"{path} is not a built dataset folder (no captions.jsonl)")
        data = _load_folder(path, size)
    elif os.path.isfile(path):
        data = _load_pack(path, size, limit)
    else:
        raise TrainError(f"--data {path} does not exist")
    if limit:
        data = ImageSet(data.images[:limit], data.captions[:limit], data.vocab, data.source)
    return data


def is_latents_file(path):
    return os.path.isfile(path) and path.endswith(".safetensors")


def to_model_input(batch_uint8, flip_mask=None):
    """uint8 [B, S, S, 3] tensor -> float [B, 3, S, S] in [-1, 1], optionally h-flipped rows."""
    x = batch_uint8.permute(0, 3, 1, 2).float() / 127.5 - 1.0  # [B, 3, S, S]
    if flip_mask is not None:
        x = torch.where(flip_mask[:, None, None, None], x.flip(3), x)  # [B, 3, S, S]
    return x


def save_latents(path, latents, captions, vocab, scaling_factor, autoencoder_steps):
    """Write a latents file: latents [N, C, h, w] (unscaled means) stored as F16."""
    if latents.shape[0] != len(captions):
        raise TrainError(f"{latents.shape[0]} latents but {len(captions)} captions")
    meta = {"format": LATENTS_FORMAT, "captions": json.dumps(captions),
            "vocab": json.dumps(vocab), "scaling_factor": repr(float(scaling_factor)),
            "autoencoder_steps": str(int(autoencoder_steps))}
    data = safetensors_io.serialize({"latents": latents.detach().cpu().half().contiguous()},
                                    meta)  # [N, C, h, w]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class LatentSet:
    """latents float32 [N, C, h, w] (unscaled), captions, vocab, scaling factor."""

    def __init__(self, latents, captions, vocab, scaling_factor, autoencoder_steps):
        self.latents = latents
        self.captions = captions
        self.vocab = vocab
        self.scaling_factor = scaling_factor
        self.autoencoder_steps = autoencoder_steps

    def __len__(self):
        return len(self.captions)


def load_latents(path):
    """Read and validate a latents file written by save_latents."""
    with open(path, "rb") as f:
        raw = f.read()
    tensors, meta = safetensors_io.deserialize(raw)
    if not meta or meta.get("format") != LATENTS_FORMAT or "latents" not in tensors:
        raise TrainError(f"{path} is not a Stepwise latents file ({LATENTS_FORMAT})")
    latents = tensors["latents"].float()  # [N, C, h, w]
    captions = json.loads(meta["captions"])
    if latents.dim() != 4 or latents.shape[0] != len(captions):
        raise TrainError(f"{path}: latents {list(latents.shape)} do not match "
                         f"{len(captions)} captions")
    scale = float(meta["scaling_factor"])
    if not scale > 0:
        raise TrainError(f"{path}: scaling_factor {scale} is not positive")
    return LatentSet(latents, captions, json.loads(meta["vocab"]), scale,
                     int(meta.get("autoencoder_steps", "0")))
