"""img2img.py (the img2img reference) and the committed img2img golden."""

import json
import os
import sys
import unittest

import torch

from stepwise_train import attention, img2img, safetensors_io as st
from stepwise_train.ddim import DDIMScheduler

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden", "img2img.safetensors")
sys.path.insert(0, os.path.join(ROOT, "models", "training"))

import make_img2img_goldens  # noqa: E402

SD = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
      "steps_offset": 1, "set_alpha_to_one": False, "clip_sample": False}


class TimestepRulesTest(unittest.TestCase):

    def test_diffusers_rule_for_ddim(self):
        sched = DDIMScheduler(SD)
        ts, start = img2img.ddim_timesteps(sched, 10, 1.0)
        self.assertEqual((start, int(ts[start])), (0, 901))
        ts, start = img2img.ddim_timesteps(sched, 20, 0.75)
        self.assertEqual((start, len(ts) - start), (5, 15))

    def test_a1111_rule_for_euler(self):
        self.assertEqual(img2img.euler_start(20, 0.75), 4)  # t_enc 15: 16 steps run
        self.assertEqual(img2img.euler_start(10, 1.0), 0)  # min(s, 0.999): all steps

    def test_strength_one_keeps_a_little_of_the_image(self):
        sched = DDIMScheduler(SD)
        x0 = torch.ones(1, 4, 2, 2)
        x = sched.add_noise(x0, torch.zeros_like(x0), 901)
        self.assertAlmostEqual(float(x[0, 0, 0, 0]), 0.1183, places=4)  # sqrt(abar_901)


class GoldenTest(unittest.TestCase):

    def test_committed_golden_is_a_fresh_computation(self):
        with open(GOLDEN, "rb") as f:
            tensors, meta = st.deserialize(f.read())
        previous = attention.get_backend()
        attention.set_backend("manual")
        try:
            fresh, fresh_meta = make_img2img_goldens.goldens(ROOT)
        finally:
            attention.set_backend(previous)
        self.assertEqual(set(tensors), set(fresh))
        for key, value in fresh.items():
            self.assertEqual(tensors[key].dtype, value.dtype, key)
            self.assertTrue(torch.allclose(tensors[key].float(), value.float(), atol=1e-5), key)
        for name in make_img2img_goldens.RUNS:
            self.assertEqual(json.loads(meta[name]), json.loads(fresh_meta[name]))
        self.assertEqual(meta["inpaint.weights"], fresh_meta["inpaint.weights"])


if __name__ == "__main__":
    unittest.main()
