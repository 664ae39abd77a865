"""Closed-form checks of the pieces the trainers compute: KL term, input scaling and flips,
warm-up, the noising formula's abar, and the latents file round trip."""

import math
import os
import tempfile
import unittest

import torch

import train_autoencoder
from stepwise_train import data as train_data
from stepwise_train.ddim import DDIMScheduler
from stepwise_train.train_common import TrainError, warmup_lr
from stepwise_train.vae import DiagonalGaussian


class LossPiecesTest(unittest.TestCase):

    def test_kl_of_a_known_gaussian(self):
        # mu = 1, sigma^2 = e: 0.5 (1 + e - 1 - 1) = 0.5 (e - 1) per element.
        moments = torch.cat([torch.ones(2, 4, 3, 3), torch.ones(2, 4, 3, 3)], 1)  # [2, 8, 3, 3]
        kl = train_autoencoder.kl_mean(DiagonalGaussian(moments))
        self.assertAlmostEqual(float(kl), 0.5 * (math.e - 1.0), places=5)
        zero = torch.zeros(1, 8, 2, 2)  # [1, 8, 2, 2]: N(0, 1) itself
        self.assertAlmostEqual(float(train_autoencoder.kl_mean(DiagonalGaussian(zero))), 0.0)

    def test_model_input_range_and_flip(self):
        img = torch.zeros(2, 2, 3, 3, dtype=torch.uint8)  # [B, H, W, 3]
        img[:, :, 0] = 255  # left column white
        x = train_data.to_model_input(img, torch.tensor([False, True]))  # [2, 3, 2, 3]
        self.assertEqual(list(x.shape), [2, 3, 2, 3])
        self.assertTrue(torch.all(x[0, :, :, 0] == 1.0) and torch.all(x[0, :, :, 2] == -1.0))
        self.assertTrue(torch.all(x[1, :, :, 2] == 1.0) and torch.all(x[1, :, :, 0] == -1.0))

    def test_warmup(self):
        self.assertAlmostEqual(warmup_lr(1e-3, 0, 10), 1e-4)
        self.assertAlmostEqual(warmup_lr(1e-3, 9, 10), 1e-3)
        self.assertAlmostEqual(warmup_lr(1e-3, 500, 10), 1e-3)
        self.assertAlmostEqual(warmup_lr(1e-3, 0, 0), 1e-3)

    def test_scaled_linear_abar(self):
        cfg = {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012}
        abar = DDIMScheduler(cfg).alphas_cumprod  # [1000]
        self.assertAlmostEqual(float(abar[0]), 1 - 0.00085, places=6)
        b = [(math.sqrt(0.00085) + i * (math.sqrt(0.012) - math.sqrt(0.00085)) / 999) ** 2
             for i in range(1000)]
        self.assertAlmostEqual(float(abar[-1]), math.prod(1 - x for x in b), places=5)

    def test_latents_file_round_trip_and_validation(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "l.safetensors")
            lat = torch.randn(3, 4, 16, 16)  # [3, 4, 16, 16]
            train_data.save_latents(path, lat, ["a", "b", "c"], {"token_to_id": {}}, 0.7, 12)
            back = train_data.load_latents(path)
            torch.testing.assert_close(back.latents, lat.half().float(), atol=0, rtol=0)
            self.assertEqual((back.captions, back.scaling_factor, back.autoencoder_steps),
                             (["a", "b", "c"], 0.7, 12))
            self.assertLess(os.path.getsize(path), 3 * 2048 + 1024)
            with self.assertRaises(TrainError):
                train_data.save_latents(path, lat, ["a"], {}, 0.7, 0)


if __name__ == "__main__":
    unittest.main()
