"""stepwise_train/lora.py (A1111's LoRA merge) and its committed golden."""

import os
import sys
import unittest

import torch
import torch.nn.functional as F

from stepwise_train import lora as lr
from stepwise_train import safetensors_io as st

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden", "lora.safetensors")
sys.path.insert(0, os.path.join(ROOT, "models", "training"))

import make_lora_goldens  # noqa: E402


class UpdownTest(unittest.TestCase):

    def test_conv_lora_equals_its_two_convolutions(self):
        # LoCon: down is a k x k conv to r channels, up a 1x1 conv back; merged, one conv.
        g = torch.Generator().manual_seed(3)
        x = torch.randn(1, 5, 7, 6, generator=g)
        down = torch.randn(3, 5, 3, 3, generator=g)
        up = torch.randn(8, 3, 1, 1, generator=g)
        two = F.conv2d(F.conv2d(x, down, padding=1), up) * 0.7 * (1.5 / 3)
        one = F.conv2d(x, lr.updown(down, up, 1.5, 0.7, (8, 5, 3, 3)), padding=1)
        self.assertLess((two - one).abs().max().item(), 1e-4)

    def test_linear_lora_and_missing_alpha(self):
        g = torch.Generator().manual_seed(4)
        down, up = torch.randn(2, 6, generator=g), torch.randn(4, 2, generator=g)
        self.assertTrue(torch.allclose(lr.updown(down, up, None, 1.0, (4, 6)), up @ down))
        self.assertTrue(torch.allclose(lr.updown(down, up, 1.0, 2.0, (4, 6)), up @ down))


class GoldenTest(unittest.TestCase):

    def test_committed_golden_matches_a_fresh_computation(self):
        if not os.path.exists(GOLDEN):
            self.skipTest("no committed golden")
        torch.set_num_threads(1)
        tensors, meta = make_lora_goldens.goldens(os.path.join(ROOT, "src", "test", "resources"))
        committed = st.load_file(GOLDEN)
        self.assertEqual(sorted(committed), sorted(tensors))
        for k, v in tensors.items():
            scale = v.abs().max().item()
            self.assertLessEqual((committed[k] - v).abs().max().item(), 1e-5 * scale, k)


if __name__ == "__main__":
    unittest.main()
