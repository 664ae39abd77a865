"""The speckle measure (eval/artefacts.py) on synthetic emoji-like images."""

import math
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from eval import artefacts as A  # noqa: E402

YELLOW = (1.0, 0.8, 0.2)


def disc(colour=YELLOW, size=128, radius=44):
    """A flat disc on white: [1, 3, size, size]."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    inside = ((yy - size / 2) ** 2 + (xx - size / 2) ** 2) <= radius ** 2  # [S, S]
    img = torch.ones(1, 3, size, size)
    for c in range(3):
        img[0, c][inside] = colour[c]
    return img


def with_speck(img, y=30, x=34):
    """A 3x3 rainbow (magenta, green, cyan, red, blue...) planted at (y, x)."""
    out = img.clone()
    colours = [(1, 0, 1), (0, 1, 0), (0, 1, 1), (1, 0, 0), (0, 0, 1), (1, 0, 1), (0, 1, 0),
               (0, 1, 1), (1, 0.5, 0)]
    for k, rgb in enumerate(colours):
        out[0, :, y + k // 3, x + k % 3] = torch.tensor(rgb, dtype=out.dtype)
    return out


class MedianTest(unittest.TestCase):
    def test_matches_a_naive_median(self):
        g = torch.Generator().manual_seed(0)
        x = torch.rand(2, 3, 9, 11, generator=g)  # [2, 3, 9, 11]
        got = A.median_filter(x, 5)  # [2, 3, 9, 11]
        padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="replicate")
        for n in range(2):
            for c in range(3):
                for i in range(9):
                    for j in range(11):
                        window = padded[n, c, i:i + 5, j:j + 5].reshape(-1)  # [25]
                        self.assertEqual(float(got[n, c, i, j]),
                                         float(window.sort().values[12]))

    def test_hue_of_the_primaries(self):
        x = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=torch.float32)  # [3, 3]
        hue = A.hue_degrees(x.t().reshape(1, 3, 1, 3))[0, 0]  # [3]
        for got, want in zip(hue.tolist(), (0, 120, 240)):
            self.assertAlmostEqual(got, want, places=3)


class SpeckTest(unittest.TestCase):
    def test_a_planted_rainbow_at_the_outline_is_found(self):
        clean = disc()
        # (30, 34) is on the disc's upper-left outline, next to the white background.
        found = A.specks(with_speck(clean))[0]
        self.assertEqual(len(found), 1, found)
        self.assertTrue(28 <= found[0]["y"] <= 32 and 32 <= found[0]["x"] <= 36, found)
        self.assertGreaterEqual(found[0]["hue_span"], 90)

    def test_clean_shapes_are_not_flagged(self):
        two = disc()
        two[0, :, 64:, :] = torch.tensor((0.1, 0.4, 0.9))[:, None, None]  # blue lower half
        dot = disc()
        dot[0, :, 40:43, 60:63] = torch.tensor((0.9, 0.1, 0.1))[:, None, None]  # red dot
        blurred = torch.nn.functional.avg_pool2d(disc(), 3, 1, 1)  # soft edge
        report = A.summary(torch.cat([disc(), two, dot, blurred]))
        self.assertEqual(report["flagged"], 0.0, report)

    def test_summary_counts_flagged_images(self):
        batch = torch.cat([disc(), with_speck(disc()), with_speck(disc((0.9, 0.3, 0.2)))])
        report = A.summary(batch)
        self.assertEqual(report["n"], 3)
        self.assertEqual(report["flagged_indices"], [1, 2])
        self.assertAlmostEqual(report["flagged"], round(2 / 3, 4))
        self.assertEqual(report["settings"]["window"], 5)

    def test_a_speck_inside_the_subject_is_not_the_outline_artefact(self):
        inside = with_speck(disc(), y=62, x=62)  # centre: far from the background
        self.assertEqual(A.specks(inside)[0], [])
        self.assertEqual(len(A.specks(inside, edge=0)[0]), 1)  # edge=0: anywhere

    def test_area_limits(self):
        big = with_speck(disc())
        self.assertEqual(A.specks(big, max_area=4)[0], [])
        self.assertTrue(math.isfinite(A.summary(big)["flagged"]))


if __name__ == "__main__":
    unittest.main()
