"""Stepwise's own PyTorch implementation of the Stable Diffusion networks and DDIM.

Module and parameter names follow diffusers / transformers, so state_dict keys are the
checkpoint keys: unet.UNet2DConditionModel, vae.AutoencoderKL, clip_text.CLIPTextModel,
built from config.json dicts by config.build_*; ddim.DDIMScheduler; safetensors_io;
tokenizer.WordLevelTokenizer.
"""
