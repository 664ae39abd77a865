import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
from PIL import Image

import rasterize
from tests.support import FIXTURES


class OnWhiteTest(unittest.TestCase):
    def test_alpha_over_white_and_centring(self):
        rgba = np.zeros((4, 2, 4), np.uint8)  # [h=4, w=2, RGBA]
        rgba[..., 0] = 255  # red
        rgba[0, 0, 3] = 255  # opaque
        rgba[1, 0, 3] = 128  # half transparent
        out = rasterize.on_white(Image.fromarray(rgba, "RGBA"), 4)  # [4, 4, 3]
        self.assertEqual(out.shape, (4, 4, 3))
        np.testing.assert_array_equal(out[:, 0], 255)  # left margin column is white
        np.testing.assert_array_equal(out[:, 3], 255)  # right margin column is white
        np.testing.assert_array_equal(out[0, 1], [255, 0, 0])
        # 255 * a + 255 * (1 - a) for red, 0 * a + 255 * (1 - a) for green and blue, a = 128/255
        np.testing.assert_array_equal(out[1, 1], [255, 127, 127])
        np.testing.assert_array_equal(out[2, 1], [255, 255, 255])  # fully transparent -> white

    def test_too_large_refused(self):
        with self.assertRaises(ValueError):
            rasterize.on_white(Image.new("RGB", (5, 5)), 4)


@unittest.skipUnless(shutil.which("rsvg-convert"), "rsvg-convert (librsvg2-bin) not installed")
class RenderTest(unittest.TestCase):
    def test_tall_svg_centred_on_white(self):
        pixels = rasterize.render(FIXTURES / "tall_red.svg", 32)  # [32, 32, 3]
        self.assertEqual(pixels.shape, (32, 32, 3))
        np.testing.assert_array_equal(pixels[:, 8:24], np.broadcast_to([255, 0, 0], (32, 16, 3)))
        np.testing.assert_array_equal(pixels[:, :8], 255)
        np.testing.assert_array_equal(pixels[:, 24:], 255)

    def test_transparency_becomes_white_blend(self):
        pixels = rasterize.render(FIXTURES / "half_blue.svg", 16)  # [16, 16, 3]
        centre = pixels[8, 8].astype(int)
        self.assertTrue(abs(centre[0] - 127) <= 1 and abs(centre[1] - 127) <= 1 and centre[2] == 255, centre)

    def test_render_all_reports_failures(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "bad.svg"
            bad.write_text("<svg", encoding="utf-8")
            jobs = [(FIXTURES / "tall_red.svg", Path(tmp) / "a" / "ok.png"), (bad, Path(tmp) / "a" / "bad.png")]
            failures = rasterize.render_all(jobs, 16, workers=2)
            self.assertEqual([str(f[0]) for f in failures], [str(bad)])
            with Image.open(Path(tmp) / "a" / "ok.png") as image:
                self.assertEqual((image.mode, image.size), ("RGB", (16, 16)))
            self.assertFalse((Path(tmp) / "a" / "bad.png").exists())


if __name__ == "__main__":
    unittest.main()
