"""A synthetic dataset folder for the eval tests: coloured shapes, one style drawn per way.

Names are shapes of one colour each; styles differ in outline (twemoji none, fluent-flat a
thick black ring, fluent-modern a dark lower half). "red circle" also comes in a medium and a
light skin tone variant (a different fill shade), so the held-out tone rule has an image.
"""

import json
import os

import numpy as np
from PIL import Image, ImageDraw

SHAPES = {"red circle": ((220, 30, 30), "circle"), "blue square": ((30, 60, 220), "square"),
          "green triangle": ((30, 170, 60), "triangle"), "orange bar": ((240, 140, 20), "bar"),
          "purple diamond": ((140, 40, 180), "diamond")}
STYLE_WORDS = {"twemoji": "twemoji", "fluent-flat": "fluent flat",
               "fluent-modern": "fluent modern"}
CATEGORY = {"red circle": "symbols", "blue square": "symbols", "green triangle": "symbols",
            "orange bar": "objects", "purple diamond": "objects"}
EVAL_CAPTIONS = ["red circle, twemoji style", "blue square, fluent flat style",
                 "green triangle, fluent modern style", "red circle, light skin tone, "
                 "fluent modern style"]


def draw(name, style, size=128, shade=0):
    colour, shape = SHAPES[name]
    colour = tuple(max(0, c - shade) for c in colour)
    im = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(im)
    box = (24, 24, size - 24, size - 24)
    outline, width = ((0, 0, 0), 8) if style == "fluent-flat" else (None, 0)
    if shape == "circle":
        d.ellipse(box, fill=colour, outline=outline, width=width)
    elif shape == "square":
        d.rectangle(box, fill=colour, outline=outline, width=width)
    elif shape == "triangle":
        d.polygon([(size // 2, 20), (size - 20, size - 24), (20, size - 24)], fill=colour,
                  outline=outline)
    elif shape == "bar":
        d.rectangle((16, size // 2 - 14, size - 16, size // 2 + 14), fill=colour,
                    outline=outline, width=width)
    else:
        d.polygon([(size // 2, 16), (size - 16, size // 2), (size // 2, size - 16),
                   (16, size // 2)], fill=colour, outline=outline)
    if style == "fluent-modern":  # darker lower half
        a = np.asarray(im).copy()  # [S, S, 3]
        low = a[size // 2:]
        ink = (low != 255).any(-1)  # [S/2, S]
        low[ink] //= 2
        im = Image.fromarray(a)
    return im


def make_dataset(folder):
    """Write images/ and captions.jsonl into folder; returns the records."""
    records = []
    for name in SHAPES:
        tones = [("", 0)] + ([("medium", 60), ("light", 30)] if name == "red circle" else [])
        for style, words in STYLE_WORDS.items():
            for tone, shade in tones:
                rel = f"images/{style}/{name.replace(' ', '-')}{'-' + tone if tone else ''}.png"
                os.makedirs(os.path.join(folder, os.path.dirname(rel)), exist_ok=True)
                draw(name, style, shade=shade).save(os.path.join(folder, rel))
                caption = f"{name}, {tone + ' skin tone, ' if tone else ''}{words} style"
                records.append({"file": rel, "caption": caption, "name": name, "style": style,
                                "skin_tone": f"{tone} skin tone" if tone else "",
                                "category": CATEGORY[name], "codepoints": "0"})
    with open(os.path.join(folder, "captions.jsonl"), "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    return records


def write_captions(path, captions=EVAL_CAPTIONS):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(captions) + "\n")
    return path


def opts(**kw):
    base = {"seed": 0, "steps": 3, "batch": 16, "size": 32, "width": 4, "hidden": 16,
            "lr": 2e-3, "threads": 1}
    base.update(kw)
    return base
