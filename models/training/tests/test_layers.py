"""Timestep embedding, asymmetric downsampling, GEGLU and ResnetBlock2D against closed forms."""

import math
import unittest

import torch
import torch.nn.functional as F

from stepwise_train.layers import Downsample2D, ResnetBlock2D, timestep_embedding
from stepwise_train.transformer import GEGLU


class TimestepEmbeddingTest(unittest.TestCase):

    def test_fractional_timestep_closed_form(self):
        dim, t = 8, 37.5
        got = timestep_embedding(torch.tensor([t]), dim, flip_sin_to_cos=True, freq_shift=0)
        freqs = [math.exp(-math.log(10000) * i / 4) for i in range(4)]
        want = [math.cos(t * f) for f in freqs] + [math.sin(t * f) for f in freqs]
        torch.testing.assert_close(got[0], torch.tensor(want), rtol=1e-5, atol=1e-5)

    def test_no_flip_and_freq_shift(self):
        got = timestep_embedding(torch.tensor([3.0]), 4, flip_sin_to_cos=False, freq_shift=1)
        freqs = [math.exp(-math.log(10000) * i / 1) for i in range(2)]
        want = [math.sin(3 * f) for f in freqs] + [math.cos(3 * f) for f in freqs]
        torch.testing.assert_close(got[0], torch.tensor(want), rtol=1e-5, atol=1e-5)

    def test_odd_dim_is_zero_padded(self):
        got = timestep_embedding(torch.tensor([1.0, 2.0]), 5, True, 0)
        self.assertEqual(list(got.shape), [2, 5])
        self.assertTrue(torch.all(got[:, 4] == 0))


class DownsampleTest(unittest.TestCase):

    def test_padding_zero_pads_bottom_right_only(self):
        torch.manual_seed(0)
        d = Downsample2D(2, 2, padding=0).requires_grad_(False)
        x = torch.randn(1, 2, 6, 6)
        want = F.conv2d(F.pad(x, (0, 1, 0, 1)), d.conv.weight, d.conv.bias, stride=2)
        torch.testing.assert_close(d(x), want)
        self.assertEqual(list(d(x).shape), [1, 2, 3, 3])
        # differs from symmetric padding, so the asymmetry is observable
        sym = F.conv2d(x, d.conv.weight, d.conv.bias, stride=2, padding=1)
        self.assertGreater(float((sym - want).abs().max()), 1e-3)


class GegluTest(unittest.TestCase):

    def test_value_half_times_exact_gelu_of_gate_half(self):
        torch.manual_seed(0)
        g = GEGLU(3, 2)
        x = torch.randn(4, 3)
        y = g.proj(x)
        want = y[:, :2] * 0.5 * y[:, 2:] * (1 + torch.erf(y[:, 2:] / math.sqrt(2)))
        torch.testing.assert_close(g(x), want)


class ResnetTest(unittest.TestCase):

    def test_matches_hand_composition(self):
        torch.manual_seed(0)
        r = ResnetBlock2D(4, 6, temb_channels=5, groups=2, eps=1e-5).eval()
        x, temb = torch.randn(2, 4, 3, 3), torch.randn(2, 5)
        with torch.no_grad():
            h = r.conv1(F.silu(F.group_norm(x, 2, r.norm1.weight, r.norm1.bias, 1e-5)))
            h = h + r.time_emb_proj(F.silu(temb))[:, :, None, None]
            h = r.conv2(F.silu(F.group_norm(h, 2, r.norm2.weight, r.norm2.bias, 1e-5)))
            torch.testing.assert_close(r(x, temb), r.conv_shortcut(x) + h)



class ProjectionTwinTest(unittest.TestCase):

    def test_linear_projection_equals_conv_projection_with_same_weights(self):
        from stepwise_train.transformer import Transformer2DModel
        torch.manual_seed(0)
        conv = Transformer2DModel(2, 4, 8, 1, 6, 2, use_linear_projection=False).eval()
        lin = Transformer2DModel(2, 4, 8, 1, 6, 2, use_linear_projection=True).eval()
        state = {k: (v[:, :, 0, 0] if k.startswith(("proj_in.w", "proj_out.w")) else v)
                 for k, v in conv.state_dict().items()}
        lin.load_state_dict(state)
        x, ctx = torch.randn(2, 8, 3, 5), torch.randn(2, 4, 6)
        with torch.no_grad():
            torch.testing.assert_close(lin(x, ctx), conv(x, ctx), rtol=1e-5, atol=1e-6)
            self.assertGreater(float((conv(x, ctx) - x).abs().max()), 1e-3)


class ClipActivationTest(unittest.TestCase):

    def test_quick_gelu_closed_form(self):
        from stepwise_train.clip_text import quick_gelu
        x = torch.tensor([-2.0, 0.0, 1.5])
        want = torch.tensor([-2 / (1 + math.exp(3.404)), 0.0, 1.5 / (1 + math.exp(-2.553))])
        torch.testing.assert_close(quick_gelu(x), want)

    def test_clip_skip_uses_earlier_layer_then_final_norm(self):
        from stepwise_train.config import build_clip_text
        torch.manual_seed(0)
        clip = build_clip_text({"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
                                "num_hidden_layers": 3, "num_attention_heads": 2,
                                "max_position_embeddings": 5, "hidden_act": "gelu",
                                "eos_token_id": 9}).eval()
        ids = torch.tensor([[1, 2, 9, 9, 9]])
        with torch.no_grad():
            last, _, hidden = clip(ids)
            skipped, _, _ = clip(ids, clip_skip=1)
            fln = clip.text_model.final_layer_norm
            torch.testing.assert_close(last, fln(hidden[3]))
            torch.testing.assert_close(skipped, fln(hidden[2]))


if __name__ == "__main__":
    unittest.main()
