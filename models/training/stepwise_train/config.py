"""config.json <-> module: the defaults diffusers / transformers apply, and the builders.

Defaults are the __init__ defaults of diffusers UNet2DConditionModel and AutoencoderKL and of
transformers CLIPTextConfig. A config dict read from disk is merged over them ("_"-prefixed
keys and unknown keys are ignored, as diffusers does); features this project does not
implement raise ValueError when set to a non-default value. *_json() give back the dict to
write as config.json: every field, plus "_class_name" (diffusers) or "architectures" and
"model_type" (transformers).
"""

import copy

from .clip_text import CLIPTextModel, CLIPTextModelWithProjection
from .unet import UNet2DConditionModel
from .vae import AutoencoderKL

UNET_DEFAULTS = {
    "sample_size": None, "in_channels": 4, "out_channels": 4, "center_input_sample": False,
    "flip_sin_to_cos": True, "freq_shift": 0,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                         "CrossAttnDownBlock2D", "DownBlock2D"],
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                       "CrossAttnUpBlock2D"],
    "only_cross_attention": False, "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2, "downsample_padding": 1, "mid_block_scale_factor": 1,
    "dropout": 0.0, "act_fn": "silu", "norm_num_groups": 32, "norm_eps": 1e-05,
    "cross_attention_dim": 1280, "transformer_layers_per_block": 1,
    "reverse_transformer_layers_per_block": None, "encoder_hid_dim": None,
    "encoder_hid_dim_type": None, "attention_head_dim": 8, "num_attention_heads": None,
    "dual_cross_attention": False, "use_linear_projection": False, "class_embed_type": None,
    "addition_embed_type": None, "addition_time_embed_dim": None, "num_class_embeds": None,
    "upcast_attention": False, "resnet_time_scale_shift": "default",
    "resnet_skip_time_act": False, "resnet_out_scale_factor": 1.0,
    "time_embedding_type": "positional", "time_embedding_dim": None,
    "time_embedding_act_fn": None, "timestep_post_act": None, "time_cond_proj_dim": None,
    "conv_in_kernel": 3, "conv_out_kernel": 3, "projection_class_embeddings_input_dim": None,
    "attention_type": "default", "class_embeddings_concat": False,
    "mid_block_only_cross_attention": None, "cross_attention_norm": None,
    "addition_embed_type_num_heads": 64,
}

# Fields whose non-default values select features this implementation does not have.
_UNET_FIXED = [
    "only_cross_attention", "reverse_transformer_layers_per_block", "encoder_hid_dim",
    "encoder_hid_dim_type", "num_attention_heads", "dual_cross_attention", "class_embed_type",
    "num_class_embeds", "resnet_time_scale_shift",
    "resnet_skip_time_act", "resnet_out_scale_factor", "time_embedding_type",
    "time_embedding_dim", "time_embedding_act_fn", "timestep_post_act", "time_cond_proj_dim",
    "conv_in_kernel", "conv_out_kernel", "attention_type", "class_embeddings_concat",
    "mid_block_only_cross_attention", "cross_attention_norm",
]

VAE_DEFAULTS = {
    "in_channels": 3, "out_channels": 3, "down_block_types": ["DownEncoderBlock2D"],
    "up_block_types": ["UpDecoderBlock2D"], "block_out_channels": [64],
    "layers_per_block": 1, "act_fn": "silu", "latent_channels": 4, "norm_num_groups": 32,
    "sample_size": 32, "scaling_factor": 0.18215, "shift_factor": None, "latents_mean": None,
    "latents_std": None, "force_upcast": True, "use_quant_conv": True,
    "use_post_quant_conv": True, "mid_block_add_attention": True,
}

CLIP_TEXT_DEFAULTS = {
    "vocab_size": 49408, "hidden_size": 512, "intermediate_size": 2048, "projection_dim": 512,
    "num_hidden_layers": 12, "num_attention_heads": 8, "max_position_embeddings": 77,
    "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "attention_dropout": 0.0,
    "initializer_range": 0.02, "initializer_factor": 1.0, "pad_token_id": 1,
    "bos_token_id": 49406, "eos_token_id": 49407,
}


def _merge(defaults, cfg):
    if not isinstance(cfg, dict):
        raise ValueError(f"a config must be a JSON object, got {type(cfg).__name__}")
    out = copy.deepcopy(defaults)
    for key, value in cfg.items():
        if key in defaults:
            out[key] = copy.deepcopy(value)
    return out


def _is_default(value, default):
    if isinstance(value, (list, tuple)) and default in (False, None):
        return all(v == default for v in value)
    return value == default


def unet_config(cfg):
    """Full UNet2DConditionModel config from a (partial) config.json dict."""
    full = _merge(UNET_DEFAULTS, cfg)
    for key in _UNET_FIXED:
        if not _is_default(full[key], UNET_DEFAULTS[key]):
            raise ValueError(f"UNet config field {key}={full[key]!r} is not supported; "
                             f"only {UNET_DEFAULTS[key]!r} is")
    # SDXL's micro-conditioning (diffusers unet_2d_condition.py get_aug_embed, "text_time"):
    # the only addition embedding implemented here.
    if full["addition_embed_type"] not in (None, "text_time"):
        raise ValueError(f"UNet config field addition_embed_type="
                         f"{full['addition_embed_type']!r} is not supported; only None and "
                         f"'text_time' are")
    if full["addition_embed_type"] == "text_time" and (
            not full["addition_time_embed_dim"]
            or not full["projection_class_embeddings_input_dim"]):
        raise ValueError("addition_embed_type 'text_time' needs addition_time_embed_dim and "
                         "projection_class_embeddings_input_dim")
    if full["act_fn"] not in ("silu", "swish", "mish", "gelu", "relu"):
        raise ValueError(f"UNet act_fn {full['act_fn']!r} is not supported")
    return full


def vae_config(cfg):
    """Full AutoencoderKL config from a (partial) config.json dict."""
    full = _merge(VAE_DEFAULTS, cfg)
    if full["shift_factor"] not in (None, 0, 0.0):
        raise ValueError(f"VAE shift_factor={full['shift_factor']!r} is not supported")
    return full


def clip_text_config(cfg):
    """Full CLIPTextConfig from a (partial) text_encoder/config.json dict."""
    return _merge(CLIP_TEXT_DEFAULTS, cfg)


def build_unet(cfg):
    return UNet2DConditionModel(unet_config(cfg))


def build_vae(cfg):
    return AutoencoderKL(vae_config(cfg))


def build_clip_text(cfg):
    return CLIPTextModel(clip_text_config(cfg))


def build_clip_text_with_projection(cfg):
    """transformers CLIPTextModelWithProjection: the text tower plus text_projection."""
    return CLIPTextModelWithProjection(clip_text_config(cfg))


def unet_json(cfg):
    return {"_class_name": "UNet2DConditionModel", **unet_config(cfg)}


def vae_json(cfg):
    return {"_class_name": "AutoencoderKL", **vae_config(cfg)}


def clip_text_json(cfg, torch_dtype="float32", architecture="CLIPTextModel"):
    return {"architectures": [architecture], "model_type": "clip_text_model",
            "torch_dtype": torch_dtype, **clip_text_config(cfg)}
