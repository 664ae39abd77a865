"""A fake training run from random small modules, shaped like a real run folder
(the contract is in the training and export modules' docstrings)."""

import json
import os
import re

import torch

from stepwise_train import config, safetensors_io
from stepwise_train.init_utils import perturb_

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
EVAL_CAPTIONS = os.path.join(TRAINING, "dataset", "eval_captions.txt")
ATTRIBUTION = os.path.join(TRAINING, "dataset", "ATTRIBUTION.md")
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]
CAPTIONS = ["red heart, twemoji style", "thumbs up, medium-dark skin tone, fluent flat style",
            "grinning face, fluent modern style"]
STEPS = 34567


def read_captions():
    with open(EVAL_CAPTIONS, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip()]


def make_vocab(captions):
    """vocab.json dict as dataset/vocab.py builds it (specials 0..3, then sorted words)."""
    words = sorted({w for c in captions for w in re.findall(r"\w+|[^\w\s]+", c.lower())})
    tokens = SPECIALS + words
    return {"special_tokens": SPECIALS, "words": words,
            "token_to_id": {t: i for i, t in enumerate(tokens)}}


def tiny_config(vocab_size):
    return {
        "name": "tiny-export", "image_size": 32,
        "vae": {"block_out_channels": [8, 8, 16, 16], "layers_per_block": 1,
                "latent_channels": 4, "norm_num_groups": 4, "sample_size": 32,
                "down_block_types": ["DownEncoderBlock2D"] * 4,
                "up_block_types": ["UpDecoderBlock2D"] * 4},
        "unet": {"sample_size": 4, "block_out_channels": [16, 32], "layers_per_block": 1,
                 "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
                 "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
                 "attention_head_dim": 4, "cross_attention_dim": 16, "norm_num_groups": 8},
        "text_encoder": {"vocab_size": vocab_size, "hidden_size": 16, "intermediate_size": 32,
                         "num_hidden_layers": 1, "num_attention_heads": 2,
                         "max_position_embeddings": 10, "hidden_act": "gelu",
                         "projection_dim": 16},
        "scheduler": {"_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
                      "beta_schedule": "scaled_linear", "num_train_timesteps": 1000,
                      "prediction_type": "epsilon", "steps_offset": 1, "clip_sample": False,
                      "set_alpha_to_one": False, "timestep_spacing": "leading"},
        "train": {"batch_size": 4, "lr": 1e-4, "ema_decay": 0.999, "caption_dropout": 0.1},
    }


def make_run(folder, seed=0):
    """Write a run folder; returns (config dict, {unet, vae, text_encoder} fp32 modules)."""
    os.makedirs(folder, exist_ok=True)
    vocab = make_vocab(read_captions()[:12] + CAPTIONS)
    cfg = tiny_config(len(vocab["token_to_id"]))
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    unet = perturb_(config.build_unet(cfg["unet"]), g).eval()
    vae = perturb_(config.build_vae(cfg["vae"]), g).eval()
    text = perturb_(config.build_clip_text(cfg["text_encoder"]), g).eval()
    safetensors_io.save_file(vae.state_dict(), os.path.join(folder, "autoencoder.safetensors"))
    ema = {"unet." + k: v for k, v in unet.state_dict().items()}
    ema.update({"text_encoder." + k: v for k, v in text.state_dict().items()})
    safetensors_io.save_file(ema, os.path.join(folder, "diffusion_ema.safetensors"))
    for name, data in (("autoencoder.json", {"steps": 1200, "scaling_factor": 0.8125,
                                             "l1": 0.043, "device": "cpu"}),
                       ("diffusion.json", {"steps": STEPS, "loss": 0.1234,
                                           "images_seen": 99000, "device": "cpu"}),
                       ("vocab.json", vocab)):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            json.dump(data, f)
    with open(os.path.join(folder, "log.jsonl"), "w") as f:
        f.write(json.dumps({"step": STEPS, "loss": 0.1234}) + "\n")
    return cfg, {"unet": unet, "vae": vae, "text_encoder": text}


def attribution():
    with open(ATTRIBUTION, encoding="utf-8") as f:
        return f.read()


FAST = {"samples": 2, "sample_steps": 2, "guidance": 3.0}
