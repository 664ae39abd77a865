"""Read a finished diffusion run folder back as networks (what export and sampling need).

A run folder of train_diffusion.py holds config.json (the model config, its "vae" section the
frozen autoencoder's), diffusion_ema.safetensors ("unet." / "text_encoder." keys, fp32),
autoencoder.safetensors + autoencoder.json (scaling_factor), vocab.json and diffusion.json.
load_run gives the same dict as pack.load_pack, with the EMA weights in float32, eval mode.
"""

import os

from . import config, safetensors_io
from .ddim import DDIMScheduler
from .train_common import (DatasetTokenizer, TrainError, load_exact, read_json,
                           split_prefixed)


def load_run(folder):
    """folder -> dict(unet, vae, text_encoder, tokenizer, scheduler, scaling_factor, steps)."""
    for name in ("config.json", "diffusion_ema.safetensors", "autoencoder.safetensors",
                 "autoencoder.json", "vocab.json", "diffusion.json"):
        if not os.path.exists(os.path.join(folder, name)):
            raise TrainError(f"run folder {folder} has no {name}")
    cfg = read_json(os.path.join(folder, "config.json"))
    state = safetensors_io.load_file(os.path.join(folder, "diffusion_ema.safetensors"))
    unet = config.build_unet(cfg["unet"])
    load_exact(unet, split_prefixed(state, "unet"), "unet")
    text = config.build_clip_text(cfg["text_encoder"])
    load_exact(text, split_prefixed(state, "text_encoder"), "text encoder")
    ae_meta = read_json(os.path.join(folder, "autoencoder.json"))
    scale = float(ae_meta["scaling_factor"])
    vae = config.build_vae(dict(cfg["vae"], scaling_factor=scale))
    load_exact(vae, safetensors_io.load_file(os.path.join(folder, "autoencoder.safetensors")),
               "autoencoder")
    meta = read_json(os.path.join(folder, "diffusion.json"))
    tok = DatasetTokenizer.from_vocab_json(read_json(os.path.join(folder, "vocab.json")),
                                           cfg["text_encoder"]["max_position_embeddings"],
                                           meta.get("pad_token", "<eos>"))
    return {"unet": unet.eval(), "vae": vae.eval(), "text_encoder": text.eval(),
            "tokenizer": tok, "scheduler": DDIMScheduler(cfg["scheduler"]),
            "scaling_factor": scale, "steps": int(meta["steps"]), "config": cfg}
