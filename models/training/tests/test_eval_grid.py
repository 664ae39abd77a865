"""eval.grid: layout, tile placement, label wrapping and the PNG size limit."""

import os
import shutil
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from eval import grid as G


class GridTest(unittest.TestCase):

    def test_layout_78_in_13_columns(self):
        rows, places = G.layout(78, 13)
        self.assertEqual(rows, 6)
        self.assertEqual(places[0], (0, 0))
        self.assertEqual(places[12], (0, 12))
        self.assertEqual(places[13], (1, 0))
        self.assertEqual(places[77], (5, 12))
        self.assertEqual(G.layout(14, 13)[0], 2)

    def test_tiles_and_labels_placed(self):
        n, tile, gap = 5, 16, 4
        colours = torch.tensor([20.0, 70.0, 120.0, 170.0, 220.0]) / 255  # [5]
        images = colours.view(n, 1, 1, 1).expand(n, 3, 16, 16).clone()  # [5, 3, 16, 16]
        labels = [[(f"tile {i}", None, 2), ("x", G.OK, 1)] for i in range(n)]
        im = G.labelled_grid(images, labels, columns=2, tile=tile, lines=3, gap=gap)
        font = ImageFont.load_default()
        line_h = int(ImageDraw.Draw(Image.new("RGB", (8, 8))).textbbox(
            (0, 0), "Ag", font=font)[3]) + 2
        cell_h = tile + 3 * line_h + gap  # 2 + 1 lines of label
        self.assertEqual(im.size, (2 * (tile + gap) + gap, 3 * cell_h + gap))
        a = np.asarray(im)  # [H, W, 3]
        for i in range(n):
            r, c = divmod(i, 2)
            y, x = gap + r * cell_h, gap + c * (tile + gap)
            want = round(float(colours[i]) * 255)
            self.assertTrue((a[y:y + tile, x:x + tile] == want).all(), f"tile {i}")
        # the green verdict line is drawn below tile 0's black caption (antialiased text on
        # FreeType fonts, so look for green-dominated pixels rather than the exact colour)
        def green(block):  # block [h, w, 3]
            b = block.astype(int)
            return ((b[..., 1] > b[..., 0] + 40) & (b[..., 1] > b[..., 2] + 40)).any()
        y0 = gap + tile + 1 + 2 * line_h
        self.assertTrue(green(a[y0:y0 + line_h, gap:gap + tile]))
        self.assertFalse(green(a[gap + tile:y0, gap:gap + tile]))
        with self.assertRaises(ValueError):
            G.labelled_grid(images, labels[:2])

    def test_wrap_limits_lines_and_width(self):
        font = ImageFont.load_default()
        d = ImageDraw.Draw(Image.new("RGB", (8, 8)))
        text = "face with open eyes and hand over mouth, fluent flat style"
        lines = G._wrap(d, font, text, 64, 2)
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[-1].endswith(".."))
        self.assertTrue(all(d.textlength(ln, font=font) <= 64 for ln in lines))
        self.assertEqual(G._wrap(d, font, "red apple", 200, 3), ["red apple"])

    def test_save_png_palette_when_too_big(self):
        tmp = tempfile.mkdtemp()
        try:
            noise = (np.random.RandomState(0).rand(64, 64, 3) * 255).astype(np.uint8)
            im = Image.fromarray(noise, "RGB")
            path = os.path.join(tmp, "g.png")
            full = G.save_png(im, path, max_bytes=10 ** 9)
            with Image.open(path) as back:
                self.assertEqual(back.mode, "RGB")
            small = G.save_png(im, path, max_bytes=1000)
            with Image.open(path) as back:
                self.assertEqual(back.mode, "P")
            self.assertLess(small, full)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
