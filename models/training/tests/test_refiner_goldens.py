"""The committed SDXL-refiner golden (make_refiner_goldens.py) and the img2img reference's SDXL
inputs: a fresh computation gives the committed tensors, and the time ids carry the aesthetic
scores."""

import json
import os
import sys
import unittest

import torch

from stepwise_train import attention, safetensors_io as st

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden",
                      "tiny-sdxl-refiner.safetensors")
sys.path.insert(0, os.path.join(ROOT, "models", "training"))

import make_refiner_goldens  # noqa: E402


class RefinerGoldenTest(unittest.TestCase):
    def test_committed_golden_is_a_fresh_computation(self):
        with open(GOLDEN, "rb") as f:
            tensors, meta = st.deserialize(f.read())
        previous = attention.get_backend()
        attention.set_backend("manual")
        try:
            fresh, fresh_meta = make_refiner_goldens.goldens(ROOT)
        finally:
            attention.set_backend(previous)
        self.assertEqual(set(tensors), set(fresh))
        for key, value in fresh.items():
            self.assertEqual(tensors[key].dtype, value.dtype, key)
            self.assertTrue(torch.allclose(tensors[key].float(), value.float(), atol=1e-5), key)
        self.assertEqual(meta["unet.config"], fresh_meta["unet.config"])
        index = json.loads(meta["model_index"])
        self.assertTrue(index["requires_aesthetics_score"])
        self.assertFalse(index["force_zeros_for_empty_prompt"])

    def test_time_ids_are_original_size_crop_and_aesthetic_score(self):
        with open(GOLDEN, "rb") as f:
            tensors, _ = st.deserialize(f.read())
        ids = tensors["refiner.time_ids"]  # [2, 5]: uncond, cond
        self.assertEqual(ids[0].tolist(), [32.0, 32.0, 0.0, 0.0, 2.5])
        self.assertEqual(ids[1].tolist(), [32.0, 32.0, 0.0, 0.0, 6.0])


if __name__ == "__main__":
    unittest.main()
