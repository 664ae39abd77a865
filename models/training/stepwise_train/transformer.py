"""Spatial transformer of the UNet's cross-attention blocks.

Mirrors diffusers models/transformers/transformer_2d.py (Transformer2DModel, continuous input)
and models/attention.py (BasicTransformerBlock, FeedForward) with activations.py GEGLU.
"""

import torch.nn.functional as F
from torch import nn

from .attention import Attention


class GEGLU(nn.Module):
    """proj: Linear(dim, 2*inner); out = a * gelu(gate) with exact erf GELU (Shazeer 2020)."""

    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)  # 2 x [B, N, inner]
        return a * F.gelu(gate)  # [B, N, inner]


class FeedForward(nn.Module):
    """net.0 = GEGLU(dim -> 4*dim), net.1 = dropout, net.2 = Linear(4*dim -> dim)."""

    def __init__(self, dim, mult=4, dropout=0.0):
        super().__init__()
        inner = int(dim * mult)
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Dropout(dropout), nn.Linear(inner, dim)])

    def forward(self, x):
        for module in self.net:
            x = module(x)  # [B, N, inner] then [B, N, dim]
        return x


class BasicTransformerBlock(nn.Module):
    """Pre-LN self-attention, cross-attention and GEGLU feed-forward, each with a residual."""

    def __init__(self, dim, heads, dim_head, cross_attention_dim, upcast_attention=False,
                 norm_eps=1e-5):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps, elementwise_affine=True)
        self.attn1 = Attention(dim, heads, dim_head, None, bias=False,
                               upcast_attention=upcast_attention)
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps, elementwise_affine=True)
        self.attn2 = Attention(dim, heads, dim_head, cross_attention_dim, bias=False,
                               upcast_attention=upcast_attention)
        self.norm3 = nn.LayerNorm(dim, eps=norm_eps, elementwise_affine=True)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        """x [B, N, C], context [B, M, D] -> [B, N, C]."""
        x = self.attn1(self.norm1(x)) + x  # [B, N, C]
        x = self.attn2(self.norm2(x), context) + x  # [B, N, C]
        return self.ff(self.norm3(x)) + x  # [B, N, C]


class Transformer2DModel(nn.Module):
    """GroupNorm(eps 1e-6) -> proj_in -> transformer blocks -> proj_out, plus the input.

    use_linear_projection (SD 2.x) makes proj_in/proj_out Linear applied after flattening;
    otherwise they are 1x1 convs applied before flattening (SD 1.x).
    """

    def __init__(self, heads, dim_head, in_channels, num_layers, cross_attention_dim,
                 norm_num_groups, use_linear_projection=False, upcast_attention=False):
        super().__init__()
        inner = heads * dim_head
        self.use_linear_projection = use_linear_projection
        self.norm = nn.GroupNorm(norm_num_groups, in_channels, eps=1e-6, affine=True)
        if use_linear_projection:
            self.proj_in = nn.Linear(in_channels, inner)
            self.proj_out = nn.Linear(inner, in_channels)
        else:
            self.proj_in = nn.Conv2d(in_channels, inner, 1, stride=1, padding=0)
            self.proj_out = nn.Conv2d(inner, in_channels, 1, stride=1, padding=0)
        self.transformer_blocks = nn.ModuleList([
            BasicTransformerBlock(inner, heads, dim_head, cross_attention_dim, upcast_attention)
            for _ in range(num_layers)])

    def forward(self, x, context):
        """x [B, C, H, W], context [B, M, D] -> [B, C, H, W]."""
        b, c, h, w = x.shape
        residual = x
        x = self.norm(x)  # [B, C, H, W]
        if self.use_linear_projection:
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, c)  # [B, HW, C]
            x = self.proj_in(x)  # [B, HW, inner]
        else:
            x = self.proj_in(x)  # [B, inner, H, W]
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, x.shape[1])  # [B, HW, inner]
        for block in self.transformer_blocks:
            x = block(x, context)  # [B, HW, inner]
        if self.use_linear_projection:
            x = self.proj_out(x)  # [B, HW, C]
            x = x.reshape(b, h, w, c).permute(0, 3, 1, 2)  # [B, C, H, W]
        else:
            x = x.reshape(b, h, w, x.shape[-1]).permute(0, 3, 1, 2)  # [B, inner, H, W]
            x = self.proj_out(x)  # [B, C, H, W]
        return x + residual
