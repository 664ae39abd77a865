"""AutoencoderKL: the SD image <-> latent autoencoder, with diffusers' state_dict keys.

Mirrors diffusers models/autoencoders/autoencoder_kl.py and vae.py (Encoder, Decoder,
DiagonalGaussianDistribution) with the DownEncoderBlock2D / UpDecoderBlock2D / UNetMidBlock2D
blocks of models/unets/unet_2d_blocks.py. Build it with config.build_vae.
"""

import torch
from torch import nn

from .attention import Attention
from .layers import Downsample2D, ResnetBlock2D, Upsample2D, get_activation

_EPS = 1e-6  # diffusers vae.py hard-codes resnet_eps=1e-6 and GroupNorm eps 1e-6


class MidBlock2D(nn.Module):
    """UNetMidBlock2D without temb: resnets.0 -> attentions.0 (single head) -> resnets.1."""

    def __init__(self, channels, groups, act_fn):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(channels, channels, None, groups, _EPS, act_fn) for _ in range(2)])
        # Attention(_from_deprecated_attn_block=True): heads = C // attention_head_dim = 1,
        # biased q/k/v, its own GroupNorm, residual connection, rescale 1.
        self.attentions = nn.ModuleList([Attention(
            channels, heads=1, dim_head=channels, bias=True, norm_num_groups=groups, eps=_EPS,
            residual_connection=True)])

    def forward(self, h):
        h = self.resnets[0](h)  # [B, C, H, W]
        h = self.attentions[0](h)  # [B, C, H, W]
        return self.resnets[1](h)  # [B, C, H, W]


class EncoderBlock(nn.Module):
    """DownEncoderBlock2D: resnets then an optional asymmetric-pad stride-2 downsampler."""

    def __init__(self, cin, cout, layers, groups, act_fn, add_downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups,
                                                    _EPS, act_fn) for i in range(layers)])
        self.downsamplers = (nn.ModuleList([Downsample2D(cout, cout, padding=0)])
                             if add_downsample else None)

    def forward(self, h):
        for resnet in self.resnets:
            h = resnet(h)  # [B, Cout, H, W]
        if self.downsamplers is not None:
            h = self.downsamplers[0](h)  # [B, Cout, H/2, W/2]
        return h


class DecoderBlock(nn.Module):
    """UpDecoderBlock2D: resnets (no skip concatenation) then an optional 2x upsampler."""

    def __init__(self, cin, cout, layers, groups, act_fn, add_upsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups,
                                                    _EPS, act_fn) for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout, cout)]) if add_upsample else None

    def forward(self, h):
        for resnet in self.resnets:
            h = resnet(h)  # [B, Cout, H, W]
        if self.upsamplers is not None:
            h = self.upsamplers[0](h)  # [B, Cout, 2H, 2W]
        return h


class Encoder(nn.Module):
    """conv_in -> down_blocks -> mid_block -> GroupNorm -> act -> conv_out (2*latent ch)."""

    def __init__(self, cin, latent, boc, layers, groups, act_fn):
        super().__init__()
        self.conv_in = nn.Conv2d(cin, boc[0], 3, stride=1, padding=1)
        self.down_blocks = nn.ModuleList()
        out = boc[0]
        for i, c in enumerate(boc):
            prev, out = out, c
            self.down_blocks.append(EncoderBlock(prev, out, layers, groups, act_fn,
                                                 i < len(boc) - 1))
        self.mid_block = MidBlock2D(boc[-1], groups, act_fn)
        self.conv_norm_out = nn.GroupNorm(groups, boc[-1], eps=_EPS)
        self.conv_act = get_activation(act_fn)
        self.conv_out = nn.Conv2d(boc[-1], 2 * latent, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)  # [B, C0, H, W]
        for block in self.down_blocks:
            h = block(h)  # [B, Ci, H/2^i, W/2^i]
        h = self.mid_block(h)  # [B, Clast, h, w]
        return self.conv_out(self.conv_act(self.conv_norm_out(h)))  # [B, 2*latent, h, w]


class Decoder(nn.Module):
    """conv_in -> mid_block -> up_blocks (reversed channels) -> GroupNorm -> act -> conv_out."""

    def __init__(self, latent, cout, boc, layers, groups, act_fn):
        super().__init__()
        rev = list(reversed(boc))
        self.conv_in = nn.Conv2d(latent, rev[0], 3, stride=1, padding=1)
        self.mid_block = MidBlock2D(rev[0], groups, act_fn)
        self.up_blocks = nn.ModuleList()
        out = rev[0]
        for i, c in enumerate(rev):
            prev, out = out, c
            self.up_blocks.append(DecoderBlock(prev, out, layers + 1, groups, act_fn,
                                               i < len(rev) - 1))
        self.conv_norm_out = nn.GroupNorm(groups, boc[0], eps=_EPS)
        self.conv_act = get_activation(act_fn)
        self.conv_out = nn.Conv2d(boc[0], cout, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(z)  # [B, Clast, h, w]
        h = self.mid_block(h)  # [B, Clast, h, w]
        for block in self.up_blocks:
            h = block(h)  # [B, Ci, h*2^i, w*2^i]
        return self.conv_out(self.conv_act(self.conv_norm_out(h)))  # [B, 3, H, W]


class DiagonalGaussian:
    """Posterior N(mean, exp(logvar)) from the 2*latent moments (diffusers vae.py)."""

    def __init__(self, moments):
        self.mean, logvar = torch.chunk(moments, 2, dim=1)  # 2 x [B, latent, h, w]
        self.logvar = torch.clamp(logvar, -30.0, 20.0)  # [B, latent, h, w]
        self.std = torch.exp(0.5 * self.logvar)  # [B, latent, h, w]

    def sample(self, generator=None):
        noise = torch.randn(self.mean.shape, generator=generator, dtype=self.mean.dtype)
        return self.mean + self.std * noise.to(self.mean.device)  # [B, latent, h, w]

    def mode(self):
        return self.mean


class AutoencoderKL(nn.Module):
    """encoder + quant_conv (1x1, 2L->2L); post_quant_conv (1x1, L->L) + decoder."""

    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        boc = list(cfg["block_out_channels"])
        n = len(boc)
        for name, want in (("down_block_types", "DownEncoderBlock2D"),
                           ("up_block_types", "UpDecoderBlock2D")):
            types = list(cfg[name])
            if len(types) != n or any(t != want for t in types):
                raise ValueError(f"{name} must be {n} x {want!r}, got {types}")
        if not cfg["mid_block_add_attention"]:
            raise ValueError("mid_block_add_attention false is not supported")
        latent, groups, act = cfg["latent_channels"], cfg["norm_num_groups"], cfg["act_fn"]
        layers = cfg["layers_per_block"]
        self.encoder = Encoder(cfg["in_channels"], latent, boc, layers, groups, act)
        self.decoder = Decoder(latent, cfg["out_channels"], boc, layers, groups, act)
        self.quant_conv = nn.Conv2d(2 * latent, 2 * latent, 1) if cfg["use_quant_conv"] else None
        self.post_quant_conv = (nn.Conv2d(latent, latent, 1)
                                if cfg["use_post_quant_conv"] else None)

    def encode_moments(self, x):
        """Image [B, 3, H, W] in [-1, 1] -> moments [B, 2*latent, H/f, W/f] (after quant_conv)."""
        h = self.encoder(x)  # [B, 2L, h, w]
        return self.quant_conv(h) if self.quant_conv is not None else h

    def encode(self, x):
        """Image [B, 3, H, W] -> DiagonalGaussian posterior over unscaled latents."""
        return DiagonalGaussian(self.encode_moments(x))

    def decode(self, z):
        """Unscaled latents [B, latent, h, w] (already divided by scaling_factor) -> image."""
        if self.post_quant_conv is not None:
            z = self.post_quant_conv(z)  # [B, L, h, w]
        return self.decoder(z)  # [B, 3, h*f, w*f]
