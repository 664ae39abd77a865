"""Multi-head attention shared by the UNet, the VAE mid block and the CLIP text encoder.

Semantics follow diffusers models/attention_processor.py (Attention with AttnProcessor /
AttnProcessor2_0): softmax(Q K^T * scale + mask) V per head, scale = dim_head ** -0.5.
Two interchangeable paths compute the core: a manual one (the naive twin, also the only one on
PyTorch 1.13) and torch's scaled_dot_product_attention on PyTorch 2.x.
"""

import torch
from torch import nn

_BACKENDS = ("auto", "manual", "sdpa")
_backend = "auto"


def has_sdpa():
    """True when this torch build offers F.scaled_dot_product_attention (PyTorch 2.0+)."""
    return hasattr(torch.nn.functional, "scaled_dot_product_attention")


def set_backend(name):
    """Select the attention core: "auto" (SDPA when available), "manual" or "sdpa"."""
    global _backend
    if name not in _BACKENDS:
        raise ValueError(f"attention backend {name!r} is not one of {_BACKENDS}")
    if name == "sdpa" and not has_sdpa():
        raise ValueError("attention backend 'sdpa' needs PyTorch 2.0 or newer")
    _backend = name


def get_backend():
    """The backend in force: "manual" or "sdpa" ("auto" resolved)."""
    if _backend == "auto":
        return "sdpa" if has_sdpa() else "manual"
    return _backend


def attention_manual(q, k, v, scale, mask=None, upcast=False):
    """Naive attention on [B, heads, N, d] tensors; mask is additive, broadcastable to the scores.

    diffusers attention_processor.py Attention.get_attention_scores: scores = scale * Q K^T,
    upcast_attention computes the scores in float32, then softmax over the key axis.
    """
    out_dtype = q.dtype
    if upcast:
        q, k = q.float(), k.float()
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale  # [B, h, Nq, Nk]
    if mask is not None:
        scores = scores + mask.to(scores.dtype)  # [B, h, Nq, Nk]
    probs = scores.softmax(dim=-1).to(v.dtype)  # [B, h, Nq, Nk]
    return torch.matmul(probs, v).to(out_dtype)  # [B, h, Nq, d]


def attention_sdpa(q, k, v, scale, mask=None):
    """torch SDPA on [B, heads, N, d] tensors, same contract as attention_manual."""
    f = torch.nn.functional
    try:
        return f.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)  # [B, h, Nq, d]
    except TypeError:
        # PyTorch 2.0 has no scale argument; its default is d ** -0.5.
        if abs(scale - q.shape[-1] ** -0.5) > 1e-12:
            return attention_manual(q, k, v, scale, mask)
        return f.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # [B, h, Nq, d]


def attention(q, k, v, scale, mask=None, upcast=False):
    """Dispatch to the selected backend; tensors are [B, heads, N, d]."""
    if get_backend() == "sdpa":
        if upcast and q.dtype != torch.float32:
            out = attention_sdpa(q.float(), k.float(), v.float(), scale,
                                                      None if mask is None else mask.float())  # [B, h, Nq, d]
            return out.to(q.dtype)
        return attention_sdpa(q, k, v, scale, mask)
    return attention_manual(q, k, v, scale, mask, upcast)


def split_heads(x, heads):
    """[B, N, heads*d] -> [B, heads, N, d]."""
    b, n, c = x.shape
    return x.view(b, n, heads, c // heads).transpose(1, 2)  # [B, h, N, d]


def merge_heads(x):
    """[B, heads, N, d] -> [B, N, heads*d]."""
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)  # [B, N, h*d]


class Attention(nn.Module):
    """diffusers Attention subset: to_q/to_k/to_v, to_out.0 (+ dropout at to_out.1).

    Optional group_norm and residual connection cover the VAE mid-block attention
    (diffusers Attention(_from_deprecated_attn_block=True)), which also runs on 4-D input.
    """

    def __init__(self, query_dim, heads, dim_head, cross_attention_dim=None, bias=False,
                              out_bias=True, upcast_attention=False, norm_num_groups=None, eps=1e-5,
                              residual_connection=False, rescale_output_factor=1.0):
        super().__init__()
        inner = heads * dim_head
        kv_dim = cross_attention_dim if cross_attention_dim is not None else query_dim
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.upcast_attention = upcast_attention
        self.residual_connection = residual_connection
        self.rescale_output_factor = rescale_output_factor
        self.group_norm = (nn.GroupNorm(norm_num_groups, query_dim, eps=eps, affine=True)
                                              if norm_num_groups is not None else None)
        self.to_q = nn.Linear(query_dim, inner, bias=bias)
        self.to_k = nn.Linear(kv_dim, inner, bias=bias)
        self.to_v = nn.Linear(kv_dim, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim, bias=out_bias), nn.Dropout(0.0)])

    def forward(self, hidden, context=None):
        """hidden [B, N, C] or [B, C, H, W]; context [B, M, Ck] or None (self-attention)."""
        residual = hidden
        spatial = hidden.dim() == 4
        if spatial:
            b, c, h, w = hidden.shape
            hidden = hidden.view(b, c, h * w).transpose(1, 2)  # [B, HW, C]
        if self.group_norm is not None:
            hidden = self.group_norm(hidden.transpose(1, 2)).transpose(1, 2)  # [B, N, C]
        context = hidden if context is None else context  # [B, M, Ck]
        q = split_heads(self.to_q(hidden), self.heads)  # [B, h, N, d]
        k = split_heads(self.to_k(context), self.heads)  # [B, h, M, d]
        v = split_heads(self.to_v(context), self.heads)  # [B, h, M, d]
        out = merge_heads(attention(q, k, v, self.scale, upcast=self.upcast_attention))  # [B, N, inner]
        out = self.to_out[1](self.to_out[0](out))  # [B, N, C]
        if spatial:
            out = out.transpose(1, 2).reshape(b, c, h, w)  # [B, C, H, W]
        if self.residual_connection:
            out = out + residual  # same shape as input
        return out / self.rescale_output_factor
