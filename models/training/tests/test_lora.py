"""stepwise_train/lora.py (A1111's LoRA merge) and its committed golden."""

import json
import os
import sys
import unittest

import torch
import torch.nn.functional as F

from stepwise_train import lora as lr
from stepwise_train import safetensors_io as st

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden", "lora.safetensors")
SDXL_GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden", "sdxl-lora.safetensors")
sys.path.insert(0, os.path.join(ROOT, "models", "training"))

import make_lora_goldens  # noqa: E402
import make_sdxl_lora_goldens  # noqa: E402


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
        self.check(GOLDEN, make_lora_goldens)

    def test_committed_sdxl_golden_matches_a_fresh_computation(self):
        self.check(SDXL_GOLDEN, make_sdxl_lora_goldens)

    def test_sdxl_ldm_names_are_the_layers_diffusers_names(self):
        # The hand-written LDM -> diffusers table reaches layers of the shapes the LoRA expects.
        tensors, meta = make_sdxl_lora_goldens.goldens(
            os.path.join(ROOT, "src", "test", "resources"))
        layers = json.loads(meta["lora.layers"])
        self.assertEqual(len(layers), len(make_sdxl_lora_goldens.MODULES))
        for name, down, up, _ in make_sdxl_lora_goldens.MODULES:
            rows = tensors[layers[name] + ".rowsum"].shape[0]
            self.assertEqual(rows, up[0], name)
        self.assertEqual(layers["lora_unet_output_blocks_2_0_emb_layers_1"],
                         "unet/up_blocks.1.resnets.0.time_emb_proj.weight")

    def check(self, golden, maker):
        if not os.path.exists(golden):
            self.skipTest("no committed golden")
        torch.set_num_threads(1)
        tensors, meta = maker.goldens(os.path.join(ROOT, "src", "test", "resources"))
        committed = st.load_file(golden)
        self.assertEqual(sorted(committed), sorted(tensors))
        for k, v in tensors.items():
            scale = v.abs().max().item()
            self.assertLessEqual((committed[k] - v).abs().max().item(), 1e-5 * scale, k)


if __name__ == "__main__":
    unittest.main()
