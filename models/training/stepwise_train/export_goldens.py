"""PyTorch goldens for a shipped pack (keys of docs/goldens.md, plus the eval captions' ids).

Computed on CPU in float32 from the pack's fp16 weights as stored, on the manual attention
path. Inputs come from fixed seeds. Keys (all F32):
  unet.{sample [2,C,h,w], timestep [2] = [999, 37.5], encoder_hidden_states [2,L,D], temb, out}
  vae.decode.{z [1,C,8,8], out}, vae.encode.{x [1,3,32,32], moments}
  text.{input_ids, last_hidden_state} for [first eval caption, ""]
  tokenizer.eval_ids [N, L]: ids of every eval caption (captions in __metadata__, one a line)
  ddim.{noise, cond_ids, uncond_ids, timesteps, latents, image}: guided DDIM, eta 0.
When the pack has a preview decoder (vae_preview/, preview_pack.py), also:
  vae_preview.decode.z [1, C, h, w]: N(0, 1) from manual_seed(seed + 1), h = w = the UNet's
    sample_size (the model's latent size), in the sampler's units (scaled latents, what the
    engine hands the preview decoder);
  vae_preview.decode.out [1, 3, h*F, w*F]: the AutoencoderTiny decoder's output (about [-1, 1],
    no clamp, BEFORE any upscaling to the image size), from its float32 weights as stored.
"""

import os

import torch

from . import attention, preview_pack, safetensors_io
from .export_core import load_models
from .pipeline import ddim_txt2img, encode_prompts

DDIM_RUN = {"steps": 4, "guidance_scale": 3.0, "eta": 0.0, "negative": ""}


@torch.no_grad()
def compute(folder, captions, seed=4321):
    """(dict of float32 tensors, metadata dict) for the pack in folder."""
    if not captions:
        raise ValueError("goldens need at least one evaluation caption")
    previous = attention.get_backend()
    attention.set_backend("manual")
    try:
        unet, vae, text, tok, sched = load_models(folder)
        g = torch.Generator().manual_seed(seed)
        c = unet.config["in_channels"]
        h = w = unet.config["sample_size"]
        length, dim = tok.max_length, unet.config["cross_attention_dim"]
        out = {}
        sample = torch.randn((2, c, h, w), generator=g)  # [2, C, h, w]
        timestep = torch.tensor([999.0, 37.5])  # [2]
        ctx = torch.randn((2, length, dim), generator=g)  # [2, L, D]
        unet_out, temb = unet(sample, timestep, ctx, return_temb=True)  # [2, C, h, w], [2, 4C0]
        out.update({"unet.sample": sample, "unet.timestep": timestep,
                    "unet.encoder_hidden_states": ctx, "unet.temb": temb, "unet.out": unet_out})
        z = torch.randn((1, vae.config["latent_channels"], 8, 8), generator=g)  # [1, C, 8, 8]
        out["vae.decode.z"] = z
        out["vae.decode.out"] = vae.decode(z)  # [1, 3, 8f, 8f]
        x = torch.rand((1, 3, 32, 32), generator=g) * 2 - 1  # [1, 3, 32, 32]
        out["vae.encode.x"] = x
        out["vae.encode.moments"] = vae.encode_moments(x)  # [1, 2C, 32/f, 32/f]
        ids, last = encode_prompts(text, tok, [captions[0], ""])  # [2, L], [2, L, D]
        out["text.input_ids"] = ids.float()
        out["text.last_hidden_state"] = last
        out["tokenizer.eval_ids"] = torch.tensor([tok.encode(t) for t in captions]).float()
        noise = torch.randn((1, c, h, w), generator=g)  # [1, C, h, w]
        run = ddim_txt2img(unet, vae, text, tok, sched, captions[0], DDIM_RUN["negative"],
                           noise, DDIM_RUN["steps"], DDIM_RUN["guidance_scale"], DDIM_RUN["eta"])
        out["ddim.noise"] = noise
        for key in ("cond_ids", "uncond_ids", "timesteps", "latents", "image"):
            out["ddim." + key] = run[key].float()
        preview_dir = os.path.join(folder, preview_pack.FOLDER)
        if os.path.isdir(preview_dir):
            student = preview_pack.load_folder(preview_dir)
            gp = torch.Generator().manual_seed(seed + 1)
            zp = torch.randn((1, student.config["latent_channels"], h, w), generator=gp)
            out["vae_preview.decode.z"] = zp  # [1, C, h, w]
            out["vae_preview.decode.out"] = student.decode(zp)  # [1, 3, h*F, w*F]
    finally:
        attention.set_backend(previous)
    meta = {"pack": "stepwise-emoji", "text.prompts": captions[0] + "\n",
            "tokenizer.captions": "\n".join(captions), "ddim.prompt": captions[0],
            "ddim.negative": DDIM_RUN["negative"], "ddim.steps": str(DDIM_RUN["steps"]),
            "ddim.guidance_scale": str(DDIM_RUN["guidance_scale"]),
            "ddim.eta": str(DDIM_RUN["eta"]),
            "ddim.scheduler": "DDIMScheduler from the pack's scheduler_config.json",
            "weights": "the pack's fp16 weights, computed in float32 on CPU",
            "torch": torch.__version__}
    if "vae_preview.decode.z" in out:
        meta["vae_preview"] = ("vae_preview/ (AutoencoderTiny decoder, float32 weights): "
                               "decode.z ~ N(0,1) from manual_seed(seed + 1), scaled latents; "
                               "decode.out before clamp and before upscaling")
        meta["vae_preview.seed"] = str(seed + 1)
    return {k: v.detach().float().contiguous() for k, v in out.items()}, meta


def write(folder, captions, path, seed=4321):
    """Compute and save the goldens to path; returns the tensors."""
    gold, meta = compute(folder, captions, seed)
    tensors, meta = safetensors_io.images_as_f16(gold, meta)
    safetensors_io.save_file(tensors, path, meta)
    return gold
