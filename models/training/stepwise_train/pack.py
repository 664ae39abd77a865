"""Read and write diffusers-layout model packs (model_index.json + one folder per component)."""

import json
import os

import torch

from . import config, safetensors_io
from .ddim import DDIMScheduler
from .tokenizer import WordLevelTokenizer
from .tokenizer import save as save_tokenizer

UNET_WEIGHTS = "diffusion_pytorch_model.safetensors"
VAE_WEIGHTS = "diffusion_pytorch_model.safetensors"
TEXT_WEIGHTS = "model.safetensors"


def _write_json(path, data):
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def _read_json(path):
    with open(path) as f:
        return json.load(f)


def _cast(state, dtype):
    return {k: v.detach().to(dtype).contiguous() for k, v in state.items()}


def save_pack(folder, unet, vae, text_encoder, tokenizer, scheduler_cfg, dtype=torch.float32,
              unet_shard_bytes=None):
    """Write a pack; unet_shard_bytes shards the UNet weights into files of at most that size."""
    torch_dtype = {torch.float32: "float32", torch.float16: "float16",
                   torch.bfloat16: "bfloat16"}[dtype]
    for sub in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    _write_json(os.path.join(folder, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline",
        "feature_extractor": [None, None],
        "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", scheduler_cfg["_class_name"]],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    })
    _write_json(os.path.join(folder, "unet", "config.json"), config.unet_json(unet.config))
    unet_state = _cast(unet.state_dict(), dtype)
    if unet_shard_bytes is None:
        safetensors_io.save_file(unet_state, os.path.join(folder, "unet", UNET_WEIGHTS))
    else:
        safetensors_io.save_sharded(unet_state, os.path.join(folder, "unet"), UNET_WEIGHTS,
                                    unet_shard_bytes)
    _write_json(os.path.join(folder, "vae", "config.json"), config.vae_json(vae.config))
    safetensors_io.save_file(_cast(vae.state_dict(), dtype),
                             os.path.join(folder, "vae", VAE_WEIGHTS))
    _write_json(os.path.join(folder, "text_encoder", "config.json"),
                config.clip_text_json(text_encoder.config, torch_dtype))
    safetensors_io.save_file(_cast(text_encoder.state_dict(), dtype),
                             os.path.join(folder, "text_encoder", TEXT_WEIGHTS))
    save_tokenizer(tokenizer, os.path.join(folder, "tokenizer"))
    _write_json(os.path.join(folder, "scheduler", "scheduler_config.json"), scheduler_cfg)


def _load_state(module, state):
    """Load a state dict in float32; the key sets must match exactly."""
    own = module.state_dict()
    missing, extra = set(own) - set(state), set(state) - set(own)
    if missing or extra:
        raise ValueError(f"weights do not match the config: missing {sorted(missing)[:3]}, "
                         f"unexpected {sorted(extra)[:3]}")
    for k, v in state.items():
        if list(v.shape) != list(own[k].shape):
            raise ValueError(f"tensor {k} has shape {list(v.shape)}, config needs "
                             f"{list(own[k].shape)}")
    module.load_state_dict({k: v.float() for k, v in state.items()})
    return module.eval()


def clip_keys(state):
    """Add the "text_model." prefix that transformers 5.x omits when it saves CLIPTextModel."""
    if any(k.startswith("text_model.") for k in state):
        return state
    return {"text_model." + k: v for k, v in state.items()}


def load_pack(folder):
    """folder -> dict(unet, vae, text_encoder, tokenizer, scheduler) in float32, eval mode."""
    unet = config.build_unet(_read_json(os.path.join(folder, "unet", "config.json")))
    _load_state(unet, safetensors_io.load_sharded(os.path.join(folder, "unet"), UNET_WEIGHTS))
    vae = config.build_vae(_read_json(os.path.join(folder, "vae", "config.json")))
    _load_state(vae, safetensors_io.load_file(os.path.join(folder, "vae", VAE_WEIGHTS)))
    text = config.build_clip_text(_read_json(os.path.join(folder, "text_encoder",
                                                          "config.json")))
    _load_state(text, clip_keys(safetensors_io.load_file(os.path.join(folder, "text_encoder",
                                                                      TEXT_WEIGHTS))))
    tok = WordLevelTokenizer.from_json(_read_json(os.path.join(folder, "tokenizer",
                                                               "tokenizer.json")))
    sched = DDIMScheduler(_read_json(os.path.join(folder, "scheduler",
                                                  "scheduler_config.json")))
    return {"unet": unet, "vae": vae, "text_encoder": text, "tokenizer": tok,
            "scheduler": sched}
