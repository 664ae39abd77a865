"""Attention cores against a per-head loop oracle; SDPA twin; VAE and CLIP attention."""

import math
import unittest

import torch

from stepwise_train import attention as attn
from stepwise_train.clip_text import causal_mask
from stepwise_train.config import build_clip_text


def loop_oracle(q, k, v, scale, mask=None):
    """Textbook softmax(QK^T * scale + mask) V, one (batch, head, query) at a time."""
    b, h, n, d = q.shape
    out = torch.zeros(b, h, n, v.shape[-1], dtype=torch.float64)
    for bi in range(b):
        for hi in range(h):
            for i in range(n):
                s = [float(q[bi, hi, i] @ k[bi, hi, j]) * scale for j in range(k.shape[2])]
                if mask is not None:
                    s = [x + float(mask[0, 0, i, j]) for j, x in enumerate(s)]
                m = max(s)
                e = [math.exp(x - m) if x != float("-inf") else 0.0 for x in s]
                z = sum(e)
                for j, w in enumerate(e):
                    out[bi, hi, i] += (w / z) * v[bi, hi, j].double()
    return out.float()


class CoreTest(unittest.TestCase):

    def setUp(self):
        g = torch.Generator().manual_seed(3)
        self.q = torch.randn((2, 3, 5, 4), generator=g)
        self.k = torch.randn((2, 3, 6, 4), generator=g)
        self.v = torch.randn((2, 3, 6, 4), generator=g)

    def test_manual_matches_loop_oracle(self):
        got = attn.attention_manual(self.q, self.k, self.v, 0.5)
        torch.testing.assert_close(got, loop_oracle(self.q, self.k, self.v, 0.5),
                                   rtol=1e-5, atol=1e-5)

    def test_manual_causal_mask_matches_oracle(self):
        q, k, v = self.q[:, :, :5], self.k[:, :, :5], self.v[:, :, :5]
        mask = causal_mask(5, torch.float32, "cpu")
        got = attn.attention_manual(q, k, v, 0.5, mask)
        torch.testing.assert_close(got, loop_oracle(q, k, v, 0.5, mask), rtol=1e-5, atol=1e-5)
        # the first query sees only the first key
        torch.testing.assert_close(got[:, :, 0], v[:, :, 0])

    def test_upcast_from_bf16_stays_close(self):
        # (CPU torch 1.13 has no fp16 matmul; bf16 exercises the same upcast path.)
        lo = [t.bfloat16() for t in (self.q, self.k, self.v)]
        got = attn.attention_manual(*lo, 0.5, upcast=True)
        self.assertEqual(got.dtype, torch.bfloat16)
        want = attn.attention_manual(*[t.float() for t in lo], 0.5)
        torch.testing.assert_close(got.float(), want, rtol=2e-2, atol=2e-2)

    @unittest.skipUnless(attn.has_sdpa(), "PyTorch without scaled_dot_product_attention")
    def test_sdpa_matches_manual(self):
        mask = causal_mask(5, torch.float32, "cpu")
        for m, kk, vv in ((None, self.k, self.v), (mask, self.k[:, :, :5], self.v[:, :, :5])):
            for scale in (0.5, 4 ** -0.5):
                torch.testing.assert_close(attn.attention_sdpa(self.q, kk, vv, scale, m),
                                           attn.attention_manual(self.q, kk, vv, scale, m),
                                           rtol=1e-5, atol=1e-5)

    def test_backend_switch_validates(self):
        with self.assertRaises(ValueError):
            attn.set_backend("flash")
        if not attn.has_sdpa():
            with self.assertRaises(ValueError):
                attn.set_backend("sdpa")
        attn.set_backend("manual")
        self.assertEqual(attn.get_backend(), "manual")
        attn.set_backend("auto")


class ModuleTest(unittest.TestCase):

    def test_vae_style_attention_matches_hand_formula(self):
        torch.manual_seed(0)
        m = attn.Attention(8, heads=1, dim_head=8, bias=True, norm_num_groups=2, eps=1e-6,
                           residual_connection=True).eval()
        x = torch.randn(1, 8, 3, 2)  # [B, C, H, W]
        with torch.no_grad():
            t = m.group_norm(x).reshape(1, 8, 6).transpose(1, 2)  # [B, HW, C]
            q, k, v = m.to_q(t), m.to_k(t), m.to_v(t)  # [B, HW, C]
            p = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(8), dim=-1)  # [B, HW, HW]
            want = m.to_out[0](p @ v).transpose(1, 2).reshape(1, 8, 3, 2) + x  # [B, C, H, W]
            torch.testing.assert_close(m(x), want, rtol=1e-5, atol=1e-6)

    def test_clip_is_causal(self):
        torch.manual_seed(0)
        clip = build_clip_text({"vocab_size": 20, "hidden_size": 16, "intermediate_size": 32,
                                "num_hidden_layers": 2, "num_attention_heads": 2,
                                "max_position_embeddings": 8, "eos_token_id": 19}).eval()
        a = torch.tensor([[1, 2, 3, 4, 19, 19, 19, 19]])
        b = torch.tensor([[1, 2, 3, 7, 8, 9, 10, 11]])
        with torch.no_grad():
            ha, pa, _ = clip(a)
            hb, _, _ = clip(b)
        torch.testing.assert_close(ha[:, :3], hb[:, :3])
        self.assertGreater(float((ha[:, 3] - hb[:, 3]).abs().max()), 1e-3)
        torch.testing.assert_close(pa, ha[:, 4])  # pooled = first EOS position


if __name__ == "__main__":
    unittest.main()
