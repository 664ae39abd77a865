"""CLIPTextModel: the SD 1.x/2.x text encoder, with transformers' state_dict keys.

Mirrors transformers models/clip/modeling_clip.py (CLIPTextEmbeddings, CLIPAttention, CLIPMLP,
CLIPEncoderLayer, CLIPTextTransformer, CLIPTextModel): token + position embeddings, a causal
mask, pre-LN layers, final_layer_norm; every key sits under "text_model.". Build it with
config.build_clip_text.
"""

import torch
from torch import nn

from .attention import attention, merge_heads, split_heads


def quick_gelu(x):
    """x * sigmoid(1.702 x) (transformers activations.py QuickGELUActivation)."""
    return x * torch.sigmoid(1.702 * x)


_ACTS = {"quick_gelu": quick_gelu, "gelu": nn.functional.gelu}


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, vocab, dim, positions):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)
        self.position_embedding = nn.Embedding(positions, dim)
        # Non-persistent, as in transformers: checkpoints may carry a corrupted copy.
        self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0),
                             persistent=False)

    def forward(self, ids):
        pos = self.position_ids[:, :ids.shape[1]]  # [1, L]
        return self.token_embedding(ids) + self.position_embedding(pos)  # [B, L, D]


class CLIPAttention(nn.Module):
    """q/k/v/out projections with bias; scale = head_dim ** -0.5."""

    def __init__(self, dim, heads):
        super().__init__()
        if dim % heads != 0:
            raise ValueError(f"hidden_size {dim} is not divisible by {heads} attention heads")
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x, mask):
        q = split_heads(self.q_proj(x), self.heads)  # [B, h, L, d]
        k = split_heads(self.k_proj(x), self.heads)  # [B, h, L, d]
        v = split_heads(self.v_proj(x), self.heads)  # [B, h, L, d]
        return self.out_proj(merge_heads(attention(q, k, v, self.scale, mask)))  # [B, L, D]


class CLIPMLP(nn.Module):
    def __init__(self, dim, inner, act):
        super().__init__()
        self.act = act
        self.fc1 = nn.Linear(dim, inner)
        self.fc2 = nn.Linear(inner, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))  # [B, L, D]


class CLIPEncoderLayer(nn.Module):
    """x += attn(ln1(x)); x += mlp(ln2(x))."""

    def __init__(self, dim, inner, heads, eps, act):
        super().__init__()
        self.self_attn = CLIPAttention(dim, heads)
        self.layer_norm1 = nn.LayerNorm(dim, eps=eps)
        self.mlp = CLIPMLP(dim, inner, act)
        self.layer_norm2 = nn.LayerNorm(dim, eps=eps)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)  # [B, L, D]
        return x + self.mlp(self.layer_norm2(x))  # [B, L, D]


class CLIPEncoder(nn.Module):
    def __init__(self, cfg, act):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(
            cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"],
            cfg["layer_norm_eps"], act) for _ in range(cfg["num_hidden_layers"])])


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        act = cfg["hidden_act"]
        if act not in _ACTS:
            raise ValueError(f"hidden_act {act!r} is not one of {sorted(_ACTS)}")
        dim = cfg["hidden_size"]
        self.embeddings = CLIPTextEmbeddings(cfg["vocab_size"], dim,
                                             cfg["max_position_embeddings"])
        self.encoder = CLIPEncoder(cfg, _ACTS[act])
        self.final_layer_norm = nn.LayerNorm(dim, eps=cfg["layer_norm_eps"])


def causal_mask(length, dtype, device):
    """Additive [1, 1, L, L] mask: 0 on and below the diagonal, -inf above it."""
    mask = torch.full((length, length), float("-inf"), dtype=dtype, device=device)  # [L, L]
    return torch.triu(mask, diagonal=1)[None, None]  # [1, 1, L, L]


class CLIPTextModel(nn.Module):
    """ids [B, L] -> (last_hidden_state [B, L, D], pooled [B, D], hidden_states list)."""

    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        self.text_model = CLIPTextTransformer(cfg)

    def forward(self, input_ids, clip_skip=0):
        """input_ids [B, L] int64. clip_skip k > 0 returns final_layer_norm(hidden[-(k+1)])."""
        tm = self.text_model
        length = input_ids.shape[1]
        if length > self.config["max_position_embeddings"]:
            raise ValueError(f"sequence length {length} exceeds max_position_embeddings "
                             f"{self.config['max_position_embeddings']}")
        x = tm.embeddings(input_ids)  # [B, L, D]
        mask = causal_mask(length, x.dtype, x.device)  # [1, 1, L, L]
        hidden = [x]
        for layer in tm.encoder.layers:
            x = layer(x, mask)  # [B, L, D]
            hidden.append(x)
        final = tm.final_layer_norm(x)  # [B, L, D]
        # Pooled: final output at the first EOS; legacy eos_token_id == 2 uses argmax(ids).
        eos = self.config["eos_token_id"]
        idx = (input_ids.argmax(-1) if eos == 2
               else (input_ids == eos).int().argmax(-1))  # [B]
        pooled = final[torch.arange(final.shape[0], device=final.device), idx]  # [B, D]
        # clip_skip (diffusers pipeline_stable_diffusion.py encode_prompt): an earlier layer,
        # then final_layer_norm.
        last = final if clip_skip == 0 else tm.final_layer_norm(hidden[-(clip_skip + 1)])
        return last, pooled, hidden


class CLIPTextModelWithProjection(CLIPTextModel):
    """The text tower plus text_projection (Linear D -> projection_dim, no bias), as transformers
    CLIPTextModelWithProjection: its text_embeds are text_projection(pooled). SDXL's second text
    encoder (OpenCLIP ViT-bigG) is one; its pooled projection feeds the UNet's add_embedding.
    The state_dict has text_model.* plus text_projection.weight [P, D]."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.text_projection = nn.Linear(cfg["hidden_size"], cfg["projection_dim"], bias=False)

    def forward(self, input_ids, clip_skip=0):
        """-> (last_hidden_state [B, L, D], text_embeds [B, P], hidden_states list)."""
        last, pooled, hidden = super().forward(input_ids, clip_skip)
        return last, self.text_projection(pooled), hidden  # [B, L, D], [B, P], L+1 x [B, L, D]
