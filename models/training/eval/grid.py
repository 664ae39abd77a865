"""A labelled sample grid: image tiles with their caption and the judge's verdict beneath."""

import os

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from stepwise_train.model_card import save_png  # noqa: F401 (the grid is saved as samples are)

OK, WRONG, PLAIN = (0, 120, 0), (190, 0, 0), (0, 0, 0)


def _wrap(draw, font, text, width, max_lines):
    """Greedy word wrap to `width` pixels; the last line is cut with '..' when text remains."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "..", font=font) > width:
            last = last[:-1]
        lines[-1] = last + ".."
    out = []
    for ln in lines:  # a single word wider than the tile is cut too
        while ln and draw.textlength(ln, font=font) > width:
            ln = ln[:-1]
        out.append(ln)
    return out


def _lines(block, default):
    return block[2] if len(block) > 2 else default


def layout(n, columns):
    """(rows, [(row, column) of tile i]) for n tiles, row-major."""
    rows = (n + columns - 1) // columns
    return rows, [divmod(i, columns) for i in range(n)]


def labelled_grid(images, labels, columns=13, tile=96, lines=3, gap=4):
    """images [N, 3, H, W] in [0, 1]; labels: N lists of text blocks (text, colour or None[,
    max lines]), each wrapped to the tile width in at most its max lines (default `lines`).
    Each tile is resized to `tile` px with its blocks below it. Returns an RGB PIL image."""
    n = images.shape[0]
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} images")
    font = ImageFont.load_default()
    probe = ImageDraw.Draw(Image.new("RGB", (8, 8)))
    line_h = int(probe.textbbox((0, 0), "Ag", font=font)[3]) + 2
    label_h = max((sum(_lines(b, lines) for b in lb) for lb in labels), default=0) * line_h
    rows, places = layout(n, columns)
    cell_w, cell_h = tile + gap, tile + label_h + gap
    canvas = Image.new("RGB", (columns * cell_w + gap, rows * cell_h + gap), "white")
    draw = ImageDraw.Draw(canvas)
    pixels = (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    for i, (r, c) in enumerate(places):  # pixels [N, H, W, 3]
        x, y = gap + c * cell_w, gap + r * cell_h
        im = Image.fromarray(np.ascontiguousarray(pixels[i]), "RGB")
        if im.size != (tile, tile):
            im = im.resize((tile, tile), Image.BILINEAR)
        canvas.paste(im, (x, y))
        ty = y + tile + 1
        for block in labels[i]:
            text, colour, most = block[0], block[1], _lines(block, lines)
            for k, ln in enumerate(_wrap(draw, font, text, tile, most)):
                draw.text((x, ty + k * line_h), ln, fill=colour or PLAIN, font=font)
            ty += line_h * most
    return canvas
