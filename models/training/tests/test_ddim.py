"""DDIM: the figures of SD 1.x's scaled_linear schedule and true-noise oracles."""

import unittest

import torch

from stepwise_train.ddim import DDIMScheduler

SD = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "clip_sample": False, "set_alpha_to_one": False, "steps_offset": 1}


class ScheduleTest(unittest.TestCase):

    def test_scaled_linear_alphas_cumprod(self):
        s = DDIMScheduler(SD)
        self.assertEqual(s.betas.dtype, torch.float32)
        self.assertAlmostEqual(float(s.alphas_cumprod[0]), 0.99915, places=6)
        self.assertAlmostEqual(float(s.alphas_cumprod[999]), 0.0046601, places=6)
        self.assertEqual(float(s.final_alpha_cumprod), float(s.alphas_cumprod[0]))

    def test_leading_with_offset(self):
        ts = DDIMScheduler(SD).set_timesteps(50).tolist()
        self.assertEqual(ts[:3], [981, 961, 941])
        self.assertEqual(ts[-1], 1)
        self.assertEqual(DDIMScheduler(SD).set_timesteps(4).tolist(), [751, 501, 251, 1])

    def test_trailing(self):
        s = DDIMScheduler(dict(SD, timestep_spacing="trailing"))
        ts = s.set_timesteps(50).tolist()
        self.assertEqual((ts[0], ts[1], ts[-1]), (999, 979, 19))
        self.assertEqual(s.set_timesteps(4).tolist(), [999, 749, 499, 249])

    def test_linspace(self):
        s = DDIMScheduler(dict(SD, timestep_spacing="linspace"))
        self.assertEqual(s.set_timesteps(50).tolist()[:3], [999, 979, 958])

    def test_bad_values_are_rejected(self):
        with self.assertRaises(ValueError):
            DDIMScheduler(dict(SD, timestep_spacing="karras")).set_timesteps(4)
        with self.assertRaises(ValueError):
            DDIMScheduler(SD).set_timesteps(0)
        with self.assertRaises(ValueError):
            DDIMScheduler(dict(SD, prediction_type="flow"))


class OracleTest(unittest.TestCase):
    """With the true noise as model output, DDIM lands exactly on q(x_prev | x0, eps)."""

    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.x0 = torch.randn((1, 4, 3, 3), generator=g)
        self.eps = torch.randn((1, 4, 3, 3), generator=g)

    def _run(self, cfg, model_output):
        s = DDIMScheduler(cfg)
        s.set_timesteps(10)
        for t in s.timesteps.tolist():
            a = s.alphas_cumprod[t]
            xt = s.add_noise(self.x0, self.eps, t)
            prev, x0 = s.step(model_output(xt, a), t, xt)
            torch.testing.assert_close(x0, self.x0, rtol=1e-4, atol=1e-4)
            a_prev = s.alphas_cumprod[t - 100] if t >= 100 else s.final_alpha_cumprod
            want = a_prev ** 0.5 * self.x0 + (1 - a_prev) ** 0.5 * self.eps
            torch.testing.assert_close(prev, want, rtol=1e-4, atol=1e-4)

    def test_epsilon(self):
        self._run(SD, lambda xt, a: self.eps)

    def test_v_prediction(self):
        # v = sqrt(a) eps - sqrt(1-a) x0 (Salimans & Ho 2022)
        self._run(dict(SD, prediction_type="v_prediction", timestep_spacing="trailing"),
                  lambda xt, a: a ** 0.5 * self.eps - (1 - a) ** 0.5 * self.x0)

    def test_full_chain_recovers_x0(self):
        s = DDIMScheduler(dict(SD, set_alpha_to_one=True))
        s.set_timesteps(5)
        x = s.add_noise(self.x0, self.eps, s.timesteps[0])
        for t in s.timesteps:
            x, _ = s.step(self.eps, t, x)
        torch.testing.assert_close(x, self.x0, rtol=1e-4, atol=1e-4)

    def test_eta_adds_noise(self):
        s = DDIMScheduler(SD)
        s.set_timesteps(10)
        xt = s.add_noise(self.x0, self.eps, 501)
        det, _ = s.step(self.eps, 501, xt)
        sto, _ = s.step(self.eps, 501, xt, eta=1.0, generator=torch.Generator().manual_seed(1))
        self.assertGreater(float((det - sto).abs().max()), 1e-3)


if __name__ == "__main__":
    unittest.main()
