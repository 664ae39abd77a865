"""tiny_vae.py (AutoencoderTiny's decoder) and the committed preview-decoder golden."""

import os
import sys
import unittest

import torch
from torch import nn

from stepwise_train import safetensors_io as st
from stepwise_train import tiny_vae

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden", "taesd.safetensors")
sys.path.insert(0, os.path.join(ROOT, "models", "training"))

import make_tiny_goldens  # noqa: E402


class _Clamp(nn.Module):
    def forward(self, x):
        return torch.tanh(x / 3) * 3


class _Block(nn.Module):
    """taesd.py Block(n, n): conv-ReLU-conv-ReLU-conv, identity skip, ReLU fuse."""

    def __init__(self, n):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(n, n, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(n, n, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(n, n, 3, padding=1))
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))


def upstream_decoder(latent, width, blocks, factor):
    """taesd.py Decoder's nn.Sequential (index 0 Clamp), generalised to a width and block list."""
    layers = [_Clamp(), nn.Conv2d(latent, width, 3, padding=1), nn.ReLU()]
    for i, n in enumerate(blocks):
        last = i == len(blocks) - 1
        layers += [_Block(width) for _ in range(n)]
        if not last:
            layers.append(nn.Upsample(scale_factor=factor))
        layers.append(nn.Conv2d(width, 3 if last else width, 3, padding=1, bias=last))
    return nn.Sequential(*layers)


def rel_err(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


class TinyVaeTest(unittest.TestCase):

    def test_shapes_and_factor(self):
        torch.manual_seed(0)
        dec = tiny_vae.AutoencoderTinyDecoder().eval()
        self.assertEqual(dec.factor(), 8)
        self.assertEqual(sum(p.numel() for p in dec.parameters()), 1222531)
        with torch.no_grad():
            self.assertEqual(list(dec.decode(torch.randn(1, 4, 8, 8)).shape), [1, 3, 64, 64])
        small = tiny_vae.AutoencoderTinyDecoder(
            {"decoder_block_out_channels": [8, 8, 8], "num_decoder_blocks": [1, 0, 2],
             "upsampling_scaling_factor": 3, "upsample_fn": "bilinear", "act_fn": "silu"}).eval()
        self.assertEqual(small.factor(), 9)
        with torch.no_grad():
            self.assertEqual(list(small.decode(torch.randn(2, 4, 5, 7)).shape), [2, 3, 45, 63])

    def test_convert_original_round_trip(self):
        torch.manual_seed(1)
        for latent, blocks in ((4, [3, 3, 3, 1]), (16, [1, 0, 2])):
            up = upstream_decoder(latent, 16, blocks, 2).eval()
            for p in up.parameters():
                with torch.no_grad():
                    p.copy_(torch.randn_like(p) * 0.2)
            state = up.state_dict()
            self.assertNotIn("0.weight", state)  # Clamp has no weights
            dec = tiny_vae.AutoencoderTinyDecoder(
                {"latent_channels": latent, "decoder_block_out_channels": [16] * len(blocks),
                 "num_decoder_blocks": blocks})
            dec.load_state_dict(tiny_vae.convert_original(state), strict=True)
            z = torch.randn(1, latent, 5, 6)
            with torch.no_grad():
                want = up(z) * 2 - 1  # taesd.py outputs [0, 1]; diffusers' DecoderTiny [-1, 1]
                got = dec.decode(z)
            self.assertLess(rel_err(got, want), 1e-6)

    def test_convert_original_refuses_other_keys(self):
        for key in ("0.weight", "decoder.layers.0.weight", "weight", "3."):
            with self.assertRaises(ValueError):
                tiny_vae.convert_original({key: torch.zeros(1)})

    def test_mixed_widths_and_bad_names_are_refused(self):
        with self.assertRaises(ValueError):
            tiny_vae.tiny_config({"decoder_block_out_channels": [64, 32, 64, 64]})
        with self.assertRaises(ValueError):
            tiny_vae.tiny_config({"num_decoder_blocks": [3, 3]})
        with self.assertRaises(ValueError):
            tiny_vae.tiny_config({"act_fn": "tanh"})
        with self.assertRaises(ValueError):
            tiny_vae.tiny_config({"upsample_fn": "bicubic"})

    def test_blocks_fuse_with_relu_whatever_act_fn_is(self):
        module, _ = make_tiny_goldens.build(make_tiny_goldens.CONFIGS["small"][0], 1)
        fuses = [m.fuse for m in module.modules() if isinstance(m, tiny_vae.TinyBlock)]
        self.assertEqual(len(fuses), 3)
        self.assertTrue(all(isinstance(f, nn.ReLU) for f in fuses))

    def test_committed_golden_matches_a_fresh_computation(self):
        with open(GOLDEN, "rb") as f:
            tensors, meta = st.deserialize(f.read())
        torch.set_num_threads(1)
        fresh, fresh_meta = make_tiny_goldens.goldens()
        self.assertEqual(set(tensors), set(fresh))
        for key, value in fresh.items():
            self.assertEqual(tensors[key].dtype, torch.float32, key)
            self.assertEqual(list(tensors[key].shape), list(value.shape), key)
            self.assertLess(rel_err(tensors[key], value), 1e-6, key)
        for key in fresh_meta:
            if key != "torch":
                self.assertEqual(meta[key], fresh_meta[key], key)
        self.assertEqual(list(tensors["taesd.out"].shape), [1, 3, 64, 64])
        self.assertEqual(list(tensors["small.out"].shape), [1, 3, 45, 63])
        self.assertLess(os.path.getsize(GOLDEN), 400_000)


if __name__ == "__main__":
    unittest.main()
