"""UNet2DConditionModel: the Stable Diffusion denoiser, with diffusers' state_dict keys.

Mirrors diffusers models/unets/unet_2d_condition.py and models/unets/unet_2d_blocks.py
(CrossAttnDownBlock2D, DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D, CrossAttnUpBlock2D).
Build it from a config.json dict with config.build_unet; the constructor takes the full,
normalised dict that config.unet_config returns.
"""

import torch
from torch import nn

from .layers import Downsample2D, ResnetBlock2D, TimestepEmbedding, Upsample2D, get_activation
from .layers import timestep_embedding
from .transformer import Transformer2DModel


class _BlockArgs:
    """Per-block arguments shared by every down/mid/up block (one UNet config)."""

    def __init__(self, cfg, temb_channels):
        self.temb = temb_channels
        self.groups = cfg["norm_num_groups"]
        self.eps = cfg["norm_eps"]
        self.act = cfg["act_fn"]
        self.linear = cfg["use_linear_projection"]
        self.upcast = cfg["upcast_attention"]
        self.dropout = cfg["dropout"]

    def resnet(self, cin, cout, scale=1.0):
        return ResnetBlock2D(cin, cout, self.temb, self.groups, self.eps, self.act,
                             output_scale_factor=scale, dropout=self.dropout)

    def transformer(self, channels, heads, layers, cross_dim):
        if channels % heads != 0:
            raise ValueError(f"channel count {channels} is not divisible by {heads} heads")
        return Transformer2DModel(heads, channels // heads, channels, layers, cross_dim,
                                  self.groups, self.linear, self.upcast)


class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (with attentions) or DownBlock2D (without)."""

    def __init__(self, args, cin, cout, layers, add_downsample, padding, attn=None):
        super().__init__()
        self.resnets = nn.ModuleList(
            [args.resnet(cin if i == 0 else cout, cout) for i in range(layers)])
        if attn is not None:
            heads, tlayers, cross_dim = attn
            self.attentions = nn.ModuleList(
                [args.transformer(cout, heads, tlayers, cross_dim) for _ in range(layers)])
        else:
            self.attentions = None
        self.downsamplers = (nn.ModuleList([Downsample2D(cout, cout, padding)])
                             if add_downsample else None)

    def forward(self, h, temb, context):
        """h [B, Cin, H, W] -> (h [B, Cout, H', W'], skips: one per resnet + downsampler)."""
        skips = []
        for i, resnet in enumerate(self.resnets):
            h = resnet(h, temb)  # [B, Cout, H, W]
            if self.attentions is not None:
                h = self.attentions[i](h, context)  # [B, Cout, H, W]
            skips.append(h)
        if self.downsamplers is not None:
            h = self.downsamplers[0](h)  # [B, Cout, H', W']
            skips.append(h)
        return h, skips


class MidBlockCrossAttn(nn.Module):
    """UNetMidBlock2DCrossAttn: resnets.0 -> (attentions.i -> resnets.i+1) for each layer."""

    def __init__(self, args, channels, heads, tlayers, cross_dim, scale, num_layers=1):
        super().__init__()
        self.resnets = nn.ModuleList(
            [args.resnet(channels, channels, scale) for _ in range(num_layers + 1)])
        self.attentions = nn.ModuleList(
            [args.transformer(channels, heads, tlayers, cross_dim) for _ in range(num_layers)])

    def forward(self, h, temb, context):
        h = self.resnets[0](h, temb)  # [B, C, H, W]
        for attn, resnet in zip(self.attentions, self.resnets[1:]):
            h = resnet(attn(h, context), temb)  # [B, C, H, W]
        return h


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D (with attentions) or UpBlock2D (without).

    Resnet i takes cat([h, skip]) with h first; its input is prev_out (i = 0) or out, plus the
    skip's channels: in_channels for the last resnet, out_channels otherwise.
    """

    def __init__(self, args, cin, cout, prev_out, layers, add_upsample, attn=None):
        super().__init__()
        resnets = []
        for i in range(layers):
            skip = cin if i == layers - 1 else cout
            resnets.append(args.resnet((prev_out if i == 0 else cout) + skip, cout))
        self.resnets = nn.ModuleList(resnets)
        if attn is not None:
            heads, tlayers, cross_dim = attn
            self.attentions = nn.ModuleList(
                [args.transformer(cout, heads, tlayers, cross_dim) for _ in range(layers)])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(cout, cout)]) if add_upsample else None

    def forward(self, h, skips, temb, context, upsample_size=None):
        """h [B, Cprev, H, W]; skips popped from the END (LIFO) -> [B, Cout, H', W']."""
        skips = list(skips)
        for i, resnet in enumerate(self.resnets):
            h = torch.cat([h, skips.pop()], dim=1)  # [B, Ch + Cskip, H, W]
            h = resnet(h, temb)  # [B, Cout, H, W]
            if self.attentions is not None:
                h = self.attentions[i](h, context)  # [B, Cout, H, W]
        if self.upsamplers is not None:
            h = self.upsamplers[0](h, upsample_size)  # [B, Cout, H', W']
        return h


_DOWN_TYPES = ("CrossAttnDownBlock2D", "DownBlock2D")
_UP_TYPES = ("CrossAttnUpBlock2D", "UpBlock2D")


def _per_block(value, n, name):
    """diffusers expands an int (or a single value) to one entry per down block."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} entries but there are {n} down blocks")
        return list(value)
    return [value] * n


class UNet2DConditionModel(nn.Module):
    """The SD denoiser: eps (or v) = unet(sample, timestep, encoder_hidden_states)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        boc = list(cfg["block_out_channels"])
        n = len(boc)
        down_types, up_types = list(cfg["down_block_types"]), list(cfg["up_block_types"])
        if len(down_types) != n or len(up_types) != n:
            raise ValueError(f"down_block_types and up_block_types need {n} entries each "
                             f"(one per block_out_channels entry)")
        for t in down_types:
            if t not in _DOWN_TYPES:
                raise ValueError(f"down block type {t!r} is not one of {_DOWN_TYPES}")
        for t in up_types:
            if t not in _UP_TYPES:
                raise ValueError(f"up block type {t!r} is not one of {_UP_TYPES}")
        if cfg["mid_block_type"] != "UNetMidBlock2DCrossAttn":
            raise ValueError(f"mid_block_type {cfg['mid_block_type']!r} is not supported; "
                             "only UNetMidBlock2DCrossAttn is")
        # attention_head_dim is really the head COUNT (diffusers: num_attention_heads =
        # num_attention_heads or attention_head_dim).
        heads = _per_block(cfg["attention_head_dim"], n, "attention_head_dim")
        layers = _per_block(cfg["layers_per_block"], n, "layers_per_block")
        cross = _per_block(cfg["cross_attention_dim"], n, "cross_attention_dim")
        tlayers = _per_block(cfg["transformer_layers_per_block"], n,
                             "transformer_layers_per_block")

        c0 = boc[0]
        temb_dim = 4 * c0
        self.conv_in = nn.Conv2d(cfg["in_channels"], c0, 3, padding=1)
        self.time_embedding = TimestepEmbedding(c0, temb_dim, cfg["act_fn"])
        # SDXL micro-conditioning (diffusers unet_2d_condition.py, addition_embed_type
        # "text_time"): add_time_proj is a weightless sinusoid of addition_time_embed_dim per time
        # id; add_embedding maps cat([text_embeds, time_embeds]) to the time embedding's width.
        self.add_embedding = None
        if cfg["addition_embed_type"] == "text_time":
            self.add_embedding = TimestepEmbedding(cfg["projection_class_embeddings_input_dim"],
                                                   temb_dim, cfg["act_fn"])
        args = _BlockArgs(cfg, temb_dim)

        self.down_blocks = nn.ModuleList()
        out = c0
        for i, kind in enumerate(down_types):
            cin, out = out, boc[i]
            attn = (heads[i], tlayers[i], cross[i]) if kind == "CrossAttnDownBlock2D" else None
            self.down_blocks.append(DownBlock(args, cin, out, layers[i], i < n - 1,
                                              cfg["downsample_padding"], attn))

        self.mid_block = MidBlockCrossAttn(args, boc[-1], heads[-1], tlayers[-1], cross[-1],
                                           cfg["mid_block_scale_factor"])

        rev = list(reversed(boc))
        rheads, rlayers = list(reversed(heads)), list(reversed(layers))
        rcross, rtlayers = list(reversed(cross)), list(reversed(tlayers))
        self.up_blocks = nn.ModuleList()
        self.num_upsamplers = 0
        out = rev[0]
        for i, kind in enumerate(up_types):
            prev, out = out, rev[i]
            cin = rev[min(i + 1, n - 1)]
            add_up = i < n - 1
            self.num_upsamplers += int(add_up)
            attn = (rheads[i], rtlayers[i], rcross[i]) if kind == "CrossAttnUpBlock2D" else None
            self.up_blocks.append(UpBlock(args, cin, out, prev, rlayers[i] + 1, add_up, attn))

        self.conv_norm_out = nn.GroupNorm(cfg["norm_num_groups"], c0, eps=cfg["norm_eps"])
        self.conv_act = get_activation(cfg["act_fn"])
        self.conv_out = nn.Conv2d(c0, cfg["out_channels"], 3, padding=1)

    def time_embed(self, timestep, batch):
        """timestep scalar or [B] (may be fractional) -> temb [B, 4*C0] (after linear_2)."""
        t = torch.as_tensor(timestep, dtype=torch.float32, device=self.conv_in.weight.device)
        t = t.reshape(-1).expand(batch) if t.numel() == 1 else t.reshape(-1)  # [B]
        emb = timestep_embedding(t, self.conv_in.out_channels, self.config["flip_sin_to_cos"],
                                 self.config["freq_shift"])  # [B, C0]
        return self.time_embedding(emb.to(self.conv_in.weight.dtype))  # [B, 4*C0]

    def aug_embed(self, text_embeds, time_ids):
        """SDXL: text_embeds [B, P], time_ids [B, K] -> add_embedding output [B, 4*C0].

        diffusers get_aug_embed: time_embeds = Timesteps(addition_time_embed_dim)(time_ids
        flattened) reshaped to [B, K * dim]; add_embedding(cat([text_embeds, time_embeds])).
        """
        b = text_embeds.shape[0]
        dim = self.config["addition_time_embed_dim"]
        t = timestep_embedding(time_ids.reshape(-1).float(), dim, self.config["flip_sin_to_cos"],
                               self.config["freq_shift"])  # [B*K, dim]
        t = t.reshape(b, -1)  # [B, K*dim]
        x = torch.cat([text_embeds.float(), t], dim=-1)  # [B, P + K*dim]
        return self.add_embedding(x.to(self.conv_in.weight.dtype))  # [B, 4*C0]

    def forward(self, sample, timestep, encoder_hidden_states, return_temb=False,
                added_cond=None):
        """sample [B, Cin, H, W], timestep scalar or [B], context [B, L, D] -> [B, Cout, H, W].

        added_cond: for an SDXL UNet, dict(text_embeds [B, P], time_ids [B, K])."""
        b, _, height, width = sample.shape
        up_factor = 2 ** self.num_upsamplers
        forward_upsample_size = height % up_factor != 0 or width % up_factor != 0
        if self.config["center_input_sample"]:
            sample = 2 * sample - 1.0  # [B, Cin, H, W]
        temb = self.time_embed(timestep, b)  # [B, 4*C0]
        if self.add_embedding is not None:
            if added_cond is None:
                raise ValueError("an SDXL UNet (addition_embed_type text_time) needs added_cond "
                                 "with text_embeds and time_ids")
            temb = temb + self.aug_embed(added_cond["text_embeds"],
                                         added_cond["time_ids"])  # [B, 4*C0]
        h = self.conv_in(sample)  # [B, C0, H, W]
        skips = [h]
        for block in self.down_blocks:
            h, res = block(h, temb, encoder_hidden_states)  # [B, Ci, Hi, Wi]
            skips.extend(res)
        h = self.mid_block(h, temb, encoder_hidden_states)  # [B, Clast, h, w]
        for i, block in enumerate(self.up_blocks):
            take = len(block.resnets)
            res, skips = skips[-take:], skips[:-take]
            # forward_upsample_size: odd sizes upsample to the next skip's exact size.
            size = (tuple(skips[-1].shape[2:])
                    if forward_upsample_size and i < len(self.up_blocks) - 1 else None)
            h = block(h, res, temb, encoder_hidden_states, size)  # [B, Ci, Hi, Wi]
        out = self.conv_out(self.conv_act(self.conv_norm_out(h)))  # [B, Cout, H, W]
        return (out, temb) if return_temb else out
