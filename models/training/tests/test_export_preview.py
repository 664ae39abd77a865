"""Latent -> RGB preview fit: a closed-form oracle and the written latent_rgb.json."""

import unittest

import torch
import torch.nn.functional as F

from stepwise_train import config, preview_fit
from tests import test_export_support as fx


class PreviewFitTest(unittest.TestCase):

    def test_recovers_a_known_linear_map_exactly(self):
        g = torch.Generator().manual_seed(3)
        factors = torch.randn(4, 3, generator=g, dtype=torch.float64)  # [C, 3]
        bias = torch.randn(3, generator=g, dtype=torch.float64)  # [3]
        latents = torch.randn(5, 4, 6, 6, generator=g, dtype=torch.float64)  # [N, C, h, w]
        colours = torch.einsum("nchw,ck->nkhw", latents, factors) + bias[None, :, None, None]
        f = 8
        blocks = F.interpolate(colours, scale_factor=f, mode="nearest")  # [N, 3, 48, 48]
        noise = torch.randn(blocks.shape, generator=g, dtype=torch.float64) * 0.3
        noise = noise - F.interpolate(F.avg_pool2d(noise, f), scale_factor=f, mode="nearest")
        images = blocks + noise  # the f x f averages are still the colours exactly
        got_f, got_b = preview_fit.fit_factors(latents, images)
        self.assertEqual((len(got_f), [len(r) for r in got_f], len(got_b)), (4, [3] * 4, 3))
        self.assertTrue(torch.allclose(torch.tensor(got_f, dtype=torch.float64), factors,
                                       atol=1e-9))
        self.assertTrue(torch.allclose(torch.tensor(got_b, dtype=torch.float64), bias,
                                       atol=1e-9))

    def test_least_squares_residual_is_minimal(self):
        g = torch.Generator().manual_seed(4)
        latents = torch.randn(3, 4, 4, 4, generator=g)  # [N, C, h, w]
        images = torch.rand(3, 3, 32, 32, generator=g) * 2 - 1  # [N, 3, 32, 32]
        fac, b = preview_fit.fit_factors(latents, images)
        fac, b = torch.tensor(fac, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
        target = F.avg_pool2d(images.double(), 8)  # [N, 3, h, w]

        def loss(a, c):
            pred = torch.einsum("nchw,ck->nkhw", latents.double(), a) + c[None, :, None, None]
            return float(((pred - target) ** 2).sum())
        best = loss(fac, b)
        for _ in range(5):  # any perturbation increases the squared error
            d = torch.randn(4, 3, generator=g, dtype=torch.float64) * 1e-3
            self.assertGreater(loss(fac + d, b), best)

    def test_fit_through_a_vae_on_synthetic_fields(self):
        vocab = fx.make_vocab(fx.CAPTIONS)
        cfg = fx.tiny_config(len(vocab["token_to_id"]))
        torch.manual_seed(0)
        vae = config.build_vae(cfg["vae"]).eval()
        images = preview_fit.synthetic_images(12, 32, torch.Generator().manual_seed(1))
        self.assertEqual(list(images.shape), [12, 3, 32, 32])
        self.assertLessEqual(float(images.abs().max()), 1.0)
        out = preview_fit.fit_vae(vae, images, 0.5)
        self.assertEqual(sorted(out), ["bias", "factors"])
        self.assertEqual([len(r) for r in out["factors"]], [3, 3, 3, 3])
        self.assertEqual(len(out["bias"]), 3)

    def test_mismatched_shapes_are_refused(self):
        with self.assertRaisesRegex(ValueError, "do not tile"):
            preview_fit.fit_factors(torch.zeros(1, 4, 4, 4), torch.zeros(1, 3, 30, 30))


if __name__ == "__main__":
    unittest.main()
