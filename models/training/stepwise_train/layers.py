"""Convolutional building blocks shared by the UNet and the VAE.

Mirrors diffusers models/embeddings.py (get_timestep_embedding, Timesteps, TimestepEmbedding),
models/resnet.py (ResnetBlock2D), models/downsampling.py (Downsample2D) and
models/upsampling.py (Upsample2D); module and parameter names equal diffusers' so that
state_dict keys match checkpoints.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def get_activation(name):
    """diffusers activations.py get_activation: silu/swish, mish, gelu, relu."""
    table = {"silu": nn.SiLU, "swish": nn.SiLU, "mish": nn.Mish, "gelu": nn.GELU, "relu": nn.ReLU}
    if name not in table:
        raise ValueError(f"activation {name!r} is not one of {sorted(table)}")
    return table[name]()


def timestep_embedding(timesteps, dim, flip_sin_to_cos, freq_shift, max_period=10000.0):
    """Sinusoidal embedding of (possibly fractional) timesteps [B] -> [B, dim].

    diffusers embeddings.py get_timestep_embedding: freq_i = exp(-ln(max_period) * i /
    (half - freq_shift)), args = t * freq, emb = [sin, cos] ([cos, sin] when flip_sin_to_cos,
    which equals CompVis timestep_embedding); an odd dim is zero-padded by one column.
    """
    if timesteps.dim() != 1:
        raise ValueError(f"timesteps must be 1-D, got shape {list(timesteps.shape)}")
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32,
                                                    device=timesteps.device)  # [half]
    freqs = torch.exp(exponent / (half - freq_shift))  # [half]
    args = timesteps[:, None].float() * freqs[None, :]  # [B, half]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)  # [B, 2*half]
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)  # [B, 2*half]
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))  # [B, dim]
    return emb


class TimestepEmbedding(nn.Module):
    """linear_1 -> act -> linear_2 (diffusers embeddings.py TimestepEmbedding)."""

    def __init__(self, in_channels, time_embed_dim, act_fn="silu"):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, time_embed_dim)
        self.act = get_activation(act_fn)
        self.linear_2 = nn.Linear(time_embed_dim, time_embed_dim)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))  # [B, time_embed_dim]


class ResnetBlock2D(nn.Module):
    """GroupNorm-act-conv twice with an optional time-embedding add (diffusers resnet.py).

    out = (shortcut(x) + conv2(drop(act(norm2(conv1(act(norm1(x))) + proj(act(temb))))))) / s,
    the shortcut being a 1x1 conv when in_channels != out_channels.
    """

    def __init__(self, in_channels, out_channels, temb_channels, groups, eps, act_fn="silu",
                 output_scale_factor=1.0, dropout=0.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=1, padding=1)
        self.time_emb_proj = (nn.Linear(temb_channels, out_channels)
                              if temb_channels is not None else None)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1)
        self.nonlinearity = get_activation(act_fn)
        self.output_scale_factor = output_scale_factor
        self.conv_shortcut = (nn.Conv2d(in_channels, out_channels, 1, stride=1, padding=0)
                              if in_channels != out_channels else None)

    def forward(self, x, temb=None):
        """x [B, Cin, H, W], temb [B, T] or None -> [B, Cout, H, W]."""
        h = self.conv1(self.nonlinearity(self.norm1(x)))  # [B, Cout, H, W]
        if self.time_emb_proj is not None and temb is not None:
            t = self.time_emb_proj(self.nonlinearity(temb))  # [B, Cout]
            h = h + t[:, :, None, None]  # [B, Cout, H, W]
        h = self.conv2(self.dropout(self.nonlinearity(self.norm2(h))))  # [B, Cout, H, W]
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)  # [B, Cout, H, W]
        return (x + h) / self.output_scale_factor


class Downsample2D(nn.Module):
    """3x3 stride-2 conv (diffusers downsampling.py Downsample2D with use_conv=True).

    padding=0 (the VAE encoder) first pads one zero row/column on the bottom/right only,
    F.pad(x, (0, 1, 0, 1)), so the output is ceil-free: floor((H+1-3)/2)+1 = H/2 for even H.
    """

    def __init__(self, channels, out_channels, padding):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, out_channels, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0.0)  # [B, C, H+1, W+1]
        return self.conv(x)  # [B, Cout, H', W']


class Upsample2D(nn.Module):
    """Nearest 2x (or to an explicit size) then 3x3 conv (diffusers upsampling.py Upsample2D)."""

    def __init__(self, channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, out_channels, 3, padding=1)

    def forward(self, x, output_size=None):
        if output_size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")  # [B, C, 2H, 2W]
        else:
            x = F.interpolate(x, size=output_size, mode="nearest")  # [B, C, *output_size]
        return self.conv(x)  # [B, Cout, H', W']
