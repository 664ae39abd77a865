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


if __name__ == "__main__":
    unittest.main()
