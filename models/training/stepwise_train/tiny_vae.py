"""AutoencoderTiny's decoder (TAESD), with diffusers' state_dict keys.

Mirrors diffusers models/autoencoders/autoencoder_tiny.py (AutoencoderTiny) and vae.py
(DecoderTiny), with unet_2d_blocks.py AutoencoderTinyBlock, which wrap madebyollin/taesd
taesd.py (Decoder, Block, Clamp). Only the decoder: Stepwise uses it for live previews.

Decoder (input: the sampler's scaled latents divided by the config's scaling_factor, 1.0 for
TAESD):
  x = tanh(x / 3) * 3                          (taesd.py Clamp)
  layers.0 conv3x3(latent, C0) + bias, act
  for stage i: num_blocks[i] x Block(Ci, Ci); unless last: Upsample(factor, upsample_fn),
               conv3x3(Ci, Ci) without bias; last: conv3x3(Ci, out_channels) with bias
  y = layers(x) * 2 - 1                        (diffusers' [-1, 1] convention)
Block(n, m): conv3x3-act-conv3x3-act-conv3x3 (+ skip: 1x1 without bias when n != m), then ReLU
(AutoencoderTinyBlock's fuse is nn.ReLU() whatever act_fn is).

Key names: diffusers' folders use "decoder.layers.N.*"; the original taesd_decoder files use
"N.*" with N one higher (index 0 is Clamp, which has no weights). convert_original() maps them.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

DEFAULTS = {
    "_class_name": "AutoencoderTiny",
    "in_channels": 3,
    "out_channels": 3,
    "encoder_block_out_channels": [64, 64, 64, 64],
    "decoder_block_out_channels": [64, 64, 64, 64],
    "act_fn": "relu",
    "upsample_fn": "nearest",
    "latent_channels": 4,
    "upsampling_scaling_factor": 2,
    "num_encoder_blocks": [1, 3, 3, 3],
    "num_decoder_blocks": [3, 3, 3, 1],
    "latent_magnitude": 3,
    "latent_shift": 0.5,
    "force_upcast": False,
    "scaling_factor": 1.0,
    "shift_factor": 0.0,
}

_ACTS = {"relu": nn.ReLU, "silu": nn.SiLU, "swish": nn.SiLU, "gelu": nn.GELU}


def tiny_config(cfg=None):
    """diffusers' AutoencoderTiny defaults overlaid with cfg (a config.json dict)."""
    out = dict(DEFAULTS)
    out.update(cfg or {})
    if len(out["decoder_block_out_channels"]) != len(out["num_decoder_blocks"]):
        raise ValueError("decoder_block_out_channels and num_decoder_blocks differ in length")
    if len(set(out["decoder_block_out_channels"])) != 1:
        # DecoderTiny's stage convs keep the stage's width, so mixed widths cannot chain.
        raise ValueError("DecoderTiny needs one width for every decoder stage")
    if out["act_fn"] not in _ACTS:
        raise ValueError(f"act_fn {out['act_fn']!r} is not one of {sorted(_ACTS)}")
    if out["upsample_fn"] not in ("nearest", "bilinear"):
        raise ValueError(f"upsample_fn {out['upsample_fn']!r} is not nearest or bilinear")
    return out


def _conv(cin, cout, bias=True):
    return nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=bias)


class TinyBlock(nn.Module):
    """AutoencoderTinyBlock: conv.{0,2,4} (3x3, biased), skip (1x1, no bias) when n != m."""

    def __init__(self, cin, cout, act_fn):
        super().__init__()
        act = _ACTS[act_fn]
        self.conv = nn.Sequential(_conv(cin, cout), act(), _conv(cout, cout), act(),
                                  _conv(cout, cout))
        self.skip = nn.Conv2d(cin, cout, 1, bias=False) if cin != cout else nn.Identity()
        self.fuse = nn.ReLU()  # always ReLU upstream, whatever act_fn is

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))  # [B, Cout, H, W]


class Upsample(nn.Module):
    """nn.Upsample(scale_factor, mode): nearest, or bilinear with align_corners=False."""

    def __init__(self, factor, mode):
        super().__init__()
        self.factor = factor
        self.mode = mode

    def forward(self, x):
        if self.mode == "nearest":
            return F.interpolate(x, scale_factor=self.factor, mode="nearest")  # [B, C, fH, fW]
        return F.interpolate(x, scale_factor=self.factor, mode="bilinear",
                             align_corners=False)  # [B, C, fH, fW]


class DecoderTiny(nn.Module):
    """vae.py DecoderTiny: latents [B, L, h, w] -> images [B, 3, h*f^(n-1), ...] in about [-1, 1]."""

    def __init__(self, cfg):
        super().__init__()
        cfg = tiny_config(cfg)
        act = _ACTS[cfg["act_fn"]]
        widths = cfg["decoder_block_out_channels"]
        blocks = cfg["num_decoder_blocks"]
        layers = [_conv(cfg["latent_channels"], widths[0]), act()]
        for i, n in enumerate(blocks):
            last = i == len(blocks) - 1
            for _ in range(n):
                layers.append(TinyBlock(widths[i], widths[i], cfg["act_fn"]))
            if not last:
                layers.append(Upsample(cfg["upsampling_scaling_factor"], cfg["upsample_fn"]))
            layers.append(_conv(widths[i], cfg["out_channels"] if last else widths[i], bias=last))
        self.layers = nn.Sequential(*layers)

    def forward(self, z):
        x = torch.tanh(z / 3) * 3  # [B, L, h, w], taesd.py Clamp
        return self.layers(x) * 2 - 1  # [B, 3, H, W]


class AutoencoderTinyDecoder(nn.Module):
    """The decoder half of AutoencoderTiny: state_dict keys decoder.layers.N.*."""

    def __init__(self, cfg=None):
        super().__init__()
        self.config = tiny_config(cfg)
        self.decoder = DecoderTiny(self.config)

    def factor(self):
        """Spatial upscaling from latents to pixels: factor^(stages - 1)."""
        stages = len(self.config["num_decoder_blocks"])
        return self.config["upsampling_scaling_factor"] ** (stages - 1)

    def decode(self, latents):
        """Scaled latents (the sampler's units) [B, L, h, w] -> [B, 3, H, W] in about [-1, 1]."""
        return self.decoder(latents / self.config["scaling_factor"])


def convert_original(state):
    """taesd_decoder.{pth,safetensors} keys "N.rest" -> "decoder.layers.(N-1).rest"."""
    out = {}
    for key, value in state.items():
        head, _, rest = key.partition(".")
        if not head.isdigit() or int(head) < 1 or not rest:
            raise ValueError(f"{key!r} is not a taesd decoder key (index >= 1, then a name)")
        out[f"decoder.layers.{int(head) - 1}.{rest}"] = value
    return out


def seeded_weights(module, seed, scale=None):
    """Fill every parameter, in state_dict order, with torch.randn(seed + k) * scale.

    Parameter k gets torch.randn([numel], generator=manual_seed(seed + k)) reshaped, times
    scale (default: 1/sqrt(fan_in), so activations keep their size). The Java engine's
    SeedNoise reproduces torch.randn bit for bit, so its tests rebuild the same weights without
    a weights file in the repository.
    """
    with torch.no_grad():
        for k, (name, p) in enumerate(module.state_dict().items()):
            g = torch.Generator().manual_seed(seed + k)
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            s = scale if scale is not None else 1.0 / math.sqrt(max(1, fan_in))
            p.copy_((torch.randn([p.numel()], generator=g) * s).reshape(p.shape))
    return module
