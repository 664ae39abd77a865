"""Seed variety figures (eval/variety.py)."""

import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from eval import variety as V  # noqa: E402


class VarietyTest(unittest.TestCase):
    def test_style_free_keeps_name_and_tone(self):
        self.assertEqual(V.style_free("cat face, fluent flat style"), "cat face")
        self.assertEqual(V.style_free("thumbs up, medium-dark skin tone, twemoji style"),
                         "thumbs up, medium-dark skin tone")

    def test_seed_rule_is_k_major_and_offset(self):
        self.assertEqual(V.seeds_for(3, 2, seed=5), [100005, 100006, 100007,
                                                     100008, 100009, 100010])

    def test_identical_draws_score_zero(self):
        one = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))  # [2, 3, 8, 8]
        images = torch.cat([one] * 4)  # [8, 3, 8, 8]: 2 captions x 4 identical draws
        r = V.score(images, ["twemoji"] * 8, 2, 4)
        self.assertEqual((r["multi_style"], r["mean_pairwise_distance"]), (0.0, 0.0))

    def test_distance_and_styles_by_hand(self):
        # caption 0: draws 0 / 1 / 0 / 1 (black, white): 4 of 6 pairs differ by 1 -> 2/3.
        # caption 1: all grey 0.5, styles twemoji x3 + fluent-flat -> multi-style.
        black, white, grey = torch.zeros(3, 4, 4), torch.ones(3, 4, 4), torch.full((3, 4, 4), .5)
        images = torch.stack([black, grey, white, grey, black, grey, white, grey])  # k-major
        styles = ["twemoji"] * 7 + ["fluent-flat"]
        r = V.score(images, styles, 2, 4)
        self.assertAlmostEqual(r["per_caption"][0]["distance"], round(4 / 6, 4))
        self.assertEqual(r["per_caption"][1]["distance"], 0.0)
        self.assertEqual(r["multi_style"], 0.5)
        self.assertEqual(r["per_caption"][1]["styles"], ["twemoji"] * 3 + ["fluent-flat"])
        self.assertAlmostEqual(r["mean_pairwise_distance"], round(4 / 6 / 2, 4))

    def test_bad_shapes(self):
        with self.assertRaisesRegex(ValueError, "at least 2 seeds"):
            V.score(torch.zeros(2, 3, 4, 4), ["twemoji"] * 2, 2, 1)
        with self.assertRaisesRegex(ValueError, "3 images"):
            V.score(torch.zeros(3, 3, 4, 4), ["twemoji"] * 3, 2, 2)


if __name__ == "__main__":
    unittest.main()
