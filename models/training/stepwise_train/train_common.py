"""Shared pieces of the two training stages: config, tokenizer over the dataset vocab, EMA,
learning-rate warm-up, autocast, atomic checkpoint writes, the run log.

Runs on PyTorch 1.13 (Debian, CPU) and 2.x (CUDA): nothing here needs torch.compile or SDPA.
"""

import contextlib
import json
import math
import os
import random
import shutil
import time

import numpy as np
import torch

from . import safetensors_io
from .tokenizer import WordLevelTokenizer

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")


class TrainError(ValueError):
    """A bad command-line value, config or input file; the message names it."""


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_config(path):
    """Model + training config (configs/<name>.json), checked for the sections it needs."""
    cfg = read_json(path)
    for key in ("name", "image_size", "vae", "unet", "text_encoder", "scheduler", "train"):
        if key not in cfg:
            raise TrainError(f"config {path} has no {key!r} section")
    sched = cfg["scheduler"]
    if sched.get("prediction_type", "epsilon") != "epsilon":
        raise TrainError(f"scheduler prediction_type {sched.get('prediction_type')!r}: "
                         "only 'epsilon' is trained")
    return cfg


# ---------------------------------------------------------------- tokenizer


class DatasetTokenizer(WordLevelTokenizer):
    """The pack's WordLevel tokenizer with the dataset's ids (vocab.json token_to_id).

    Normalisation and pre-tokenisation are WordLevelTokenizer.tokens (NFC, lower case, HF
    Whitespace pattern); framing is <bos> content <eos>, content truncated to max_length - 2,
    then right padding with pad_token to max_length. So an empty caption is
    [<bos>, <eos>, pad, pad, ...], the ids the Java engine feeds for an empty prompt.
    """

    def __init__(self, token_to_id, max_length, pad_token="<eos>"):  # noqa: super not called
        if max_length < 2:
            raise TrainError(f"max_length {max_length} must be at least 2 (BOS and EOS)")
        for i, special in enumerate(SPECIALS):
            if token_to_id.get(special) != i:
                raise TrainError(f"vocab must give {special} id {i}, it gives "
                                 f"{token_to_id.get(special)!r}")
        if pad_token not in ("<eos>", "<pad>"):
            raise TrainError(f"pad token {pad_token!r} is not one of '<eos>', '<pad>'")
        ids = sorted(token_to_id.values())
        if ids != list(range(len(ids))):
            raise TrainError("vocab ids are not 0..N-1 without gaps")
        self.vocab = dict(token_to_id)
        self.max_length = max_length
        self.unk_id, self.bos_id, self.eos_id = (self.vocab["<unk>"], self.vocab["<bos>"],
                                                 self.vocab["<eos>"])
        self.pad_token = pad_token
        self.pad_id = self.vocab[pad_token]

    def encode(self, text):
        """text -> max_length ids: <bos>, content (truncated), <eos>, padding."""
        ids = [self.vocab.get(t, self.unk_id) for t in self.tokens(text)]
        ids = [self.bos_id] + ids[:self.max_length - 2] + [self.eos_id]
        return ids + [self.pad_id] * (self.max_length - len(ids))

    def content_length(self, text):
        """Number of content tokens before truncation (to count truncated captions)."""
        return len(self.tokens(text))

    @staticmethod
    def from_vocab_json(vocab, max_length, pad_token="<eos>"):
        """From the dataset's vocab.json object ({"token_to_id": ...})."""
        if not isinstance(vocab, dict) or not isinstance(vocab.get("token_to_id"), dict):
            raise TrainError("vocab.json has no token_to_id object")
        return DatasetTokenizer(vocab["token_to_id"], max_length, pad_token)

    @staticmethod
    def from_tokenizer_json(data):
        """From a pack's tokenizer/tokenizer.json (WordLevel, Fixed padding)."""
        model = data.get("model", {}) if isinstance(data, dict) else {}
        if model.get("type") != "WordLevel" or not isinstance(model.get("vocab"), dict):
            raise TrainError("tokenizer.json is not a WordLevel model with a vocab object")
        padding = data.get("padding") or {}
        length = (padding.get("strategy") or {}).get("Fixed")
        if not isinstance(length, int):
            raise TrainError("tokenizer.json has no Fixed padding length")
        return DatasetTokenizer(model["vocab"], length, padding.get("pad_token", "<eos>"))


# ---------------------------------------------------------------- training helpers


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(name):
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainError("--device cuda was asked but torch.cuda.is_available() is false")
    if name not in ("cpu", "cuda"):
        raise TrainError(f"--device {name!r} is not one of cpu, cuda")
    if name == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes every step
        torch.backends.cuda.matmul.allow_tf32 = True  # fp32 leftovers (text encoder, losses)
        torch.backends.cudnn.allow_tf32 = True
    return torch.device(name)


def autocast(device):
    """bf16 autocast on CUDA; plain fp32 on CPU (no autocast at all)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def warmup_lr(base_lr, step, warmup):
    """Linear warm-up from base_lr / warmup to base_lr over `warmup` steps, then constant."""
    if warmup <= 0:
        return base_lr
    return base_lr * min(1.0, (step + 1) / warmup)


def make_adamw(params, lr, weight_decay):
    return torch.optim.AdamW([p for p in params if p.requires_grad], lr=lr,
                             weight_decay=weight_decay, betas=(0.9, 0.999))


class EMA:
    """Exponential moving average of parameters (buffers copied).

    decay_t = min(decay, (1 + t) / (10 + t)) with t the cumulative step (the warm-up of
    diffusers training_utils.EMAModel with use_ema_warmup=False), so a fresh run's EMA does
    not drag its random initial weights for thousands of steps.
    """

    def __init__(self, modules, decay):
        self.decay = decay
        self.shadow = {prefix: {k: v.detach().clone().float() for k, v in m.state_dict().items()}
                       for prefix, m in modules.items()}
        # state_dict() tensors share storage with the live parameters (the optimizer updates
        # them in place), so the pairs are built once and updated with fused foreach ops.
        self._live, self._avg, self._copy_live, self._copy_avg = [], [], [], []
        for prefix, m in modules.items():
            for k, v in m.state_dict().items():
                floating = v.dtype.is_floating_point
                (self._live if floating else self._copy_live).append(v)
                (self._avg if floating else self._copy_avg).append(self.shadow[prefix][k])

    def decay_at(self, step):
        return min(self.decay, (1.0 + step) / (10.0 + step))

    @torch.no_grad()
    def update(self, modules, step):
        """shadow = d * shadow + (1 - d) * live, d = decay_at(step); modules as at __init__."""
        d = self.decay_at(step)
        if self._avg:
            torch._foreach_mul_(self._avg, d)
            torch._foreach_add_(self._avg, [v.float() for v in self._live], alpha=1.0 - d)
        for avg, live in zip(self._copy_avg, self._copy_live):
            avg.copy_(live)

    def state(self):
        """{"unet.<key>": tensor, "text_encoder.<key>": tensor} (fp32, on CPU)."""
        return {f"{prefix}.{k}": v.detach().cpu().contiguous()
                for prefix, sh in self.shadow.items() for k, v in sh.items()}


def split_prefixed(state, prefix):
    """Keys "<prefix>.x" of a flat state dict -> {"x": tensor}."""
    p = prefix + "."
    return {k[len(p):]: v for k, v in state.items() if k.startswith(p)}


def cpu_state(module):
    return {k: v.detach().float().cpu().contiguous() for k, v in module.state_dict().items()}


def load_exact(module, state, what, error=None):
    """Load a float state dict whose keys and shapes must match the module exactly.

    A mismatch raises `error` (default TrainError; the exporter passes its ExportError)."""
    error = error or TrainError
    own = module.state_dict()
    missing, extra = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    if missing or extra:
        raise error(f"{what} weights do not match the config: missing {missing[:3]}, "
                    f"unexpected {extra[:3]}")
    for k, v in state.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise error(f"{what} tensor {k} has shape {list(v.shape)}, the config needs "
                        f"{list(own[k].shape)}")
    module.load_state_dict({k: v.float() for k, v in state.items()})


# ---------------------------------------------------------------- files


def atomic_write_bytes(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write_json(path, obj):
    atomic_write_bytes(path, (json.dumps(obj, indent=2) + "\n").encode("utf-8"))


def atomic_save_safetensors(path, tensors, metadata=None):
    atomic_write_bytes(path, safetensors_io.serialize(tensors, metadata))


def copy_if_differs(src, dst):
    if os.path.abspath(src) != os.path.abspath(dst):
        shutil.copyfile(src, dst)


class RunLog:
    """Appends one JSON line per logged step to <run>/log.jsonl and echoes it."""

    def __init__(self, folder, quiet=False):
        self.path = os.path.join(folder, "log.jsonl")
        self.quiet = quiet

    def write(self, **fields):
        line = json.dumps({k: (float(f"{v:.6g}") if isinstance(v, float) else v)
                           for k, v in fields.items()})
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        if not self.quiet:
            print(line, flush=True)


class Clock:
    """Run deadline (--minutes) and the every-N-seconds checkpoint trigger."""

    def __init__(self, minutes, checkpoint_seconds):
        self.start = time.monotonic()
        self.deadline = None if minutes is None else self.start + 60.0 * minutes
        self.every = checkpoint_seconds
        self.last = self.start

    def elapsed(self):
        return time.monotonic() - self.start

    def out_of_time(self):
        return self.deadline is not None and time.monotonic() >= self.deadline

    def checkpoint_due(self):
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            return True
        return False


def finite_or_raise(value, step):
    if not math.isfinite(value):
        raise TrainError(f"loss became {value} at step {step}; lower the learning rate")
    return value
