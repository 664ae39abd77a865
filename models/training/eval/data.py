"""Dataset records, evaluation captions and the judge's input images.

A record is a dict with file, caption, name, style, skin_tone, category (captions.jsonl of the
dataset stage, or the records of a .swpack file). Images reach the judge as float [N, 3, S, S]
in [0, 1], reduced from the dataset's 128x128 by area averaging (judge_input), the same function
for real and generated images.
"""

import importlib.util
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

STYLES = ("twemoji", "fluent-flat", "fluent-modern")
STYLE_WORDS = {"twemoji": "twemoji", "fluent flat": "fluent-flat",
               "fluent modern": "fluent-modern"}
TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVAL_CAPTIONS = os.path.join(TRAINING, "dataset", "eval_captions.txt")


class DataError(ValueError):
    """The dataset or caption file cannot be used; the message names the problem."""


def parse_caption(caption):
    """'name[, <tone> skin tone], <style words> style' -> (name, skin_tone, style id)."""
    parts = [p.strip() for p in caption.split(",")]
    if len(parts) < 2 or not parts[-1].endswith(" style"):
        raise DataError(f"caption {caption!r} does not end in ', <style> style'")
    style = STYLE_WORDS.get(parts[-1][:-len(" style")])
    if style is None:
        raise DataError(f"caption {caption!r} names a style outside {sorted(STYLE_WORDS)}")
    tone = ""
    if len(parts) >= 3 and parts[-2].endswith(" skin tone"):
        tone = parts[-2][:-len(" skin tone")]
        parts = parts[:-1]
    return ", ".join(parts[:-1]), tone, style


def read_eval_captions(path=EVAL_CAPTIONS):
    with open(path, encoding="utf-8") as f:
        captions = [ln.strip() for ln in f if ln.strip()]
    if not captions:
        raise DataError(f"{path} lists no captions")
    return captions


def _pack_module():
    spec = importlib.util.spec_from_file_location(
        "stepwise_dataset_pack", os.path.join(TRAINING, "dataset", "pack.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Dataset:
    """records (list of dicts) and image(i) -> uint8 [H, W, 3]; a folder or a .swpack file."""

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            jsonl = os.path.join(path, "captions.jsonl")
            if not os.path.exists(jsonl):
                raise DataError(f"{jsonl} is missing (build the dataset first)")
            with open(jsonl, encoding="utf-8") as f:
                self.records = [json.loads(ln) for ln in f if ln.strip()]
            self._pack = None
        else:
            self._pack = _pack_module().load(path)
            self.records = list(self._pack.records)
        if not self.records:
            raise DataError(f"{path} lists no images")
        for key in ("caption", "name", "style", "skin_tone", "category"):
            if key not in self.records[0]:
                raise DataError(f"{path}: records have no {key!r} field")

    def __len__(self):
        return len(self.records)

    def image(self, i):
        if self._pack is not None:
            return self._pack.image(i)  # [H, W, 3]
        with Image.open(os.path.join(self.path, self.records[i]["file"])) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)  # [H, W, 3]

    def judge_images(self, indices, size):
        """float [len(indices), 3, size, size] in [0, 1] (judge_input of each image)."""
        out = torch.empty(len(indices), 3, size, size)  # [N, 3, S, S]
        for k, i in enumerate(indices):
            x = torch.from_numpy(self.image(i).copy()).permute(2, 0, 1)[None].float() / 255
            out[k] = judge_input(x, size)[0]  # [3, S, S]
        return out


def judge_input(images, size):
    """images [N, 3, H, W] in [0, 1] -> [N, 3, size, size] by area averaging (box filter)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images.clamp(0, 1)
    return F.interpolate(images.clamp(0, 1), size=(size, size), mode="area")  # [N, 3, S, S]
