"""Pillow's resize AUTOMATIC1111's resize_image and its Extras upscale on small images, for PilResampleTest.

Usage: /usr/bin/python3 make_pil_reference.py  (writes pil_reference.json.gz next to this file)

The source pixels are closed forms the Java test rebuilds; each case stores Pillow's output bytes
(base64). Resize modes follow modules/images.py resize_image (modes 0, 1, 2, no upscaler) with
Image.LANCZOS, written out here so that the reference needs only Pillow.
"""

import base64
import gzip
import json
import os

import numpy as np
from PIL import Image


def source(w, h, channels):
    """uint8 [h, w, c]: (37 x + 91 y + 53 c + 7 x y) mod 256."""
    y, x, c = np.mgrid[0:h, 0:w, 0:channels]
    return ((37 * x + 91 * y + 53 * c + 7 * x * y) % 256).astype(np.uint8)


def pil(arr):
    return Image.fromarray(arr if arr.shape[2] == 3 else arr[:, :, 0], "RGB" if arr.shape[2] == 3
                           else "L")


def a1111(mode, im, width, height):
    """modules/images.py resize_image for modes 0 (stretch), 1 (fill), 2 (fit), LANCZOS."""
    if mode == 0:
        return im.resize((width, height), resample=Image.LANCZOS)
    ratio = width / height
    src_ratio = im.width / im.height
    if mode == 1:
        src_w = width if ratio > src_ratio else im.width * height // im.height
        src_h = height if ratio <= src_ratio else im.height * width // im.width
        resized = im.resize((src_w, src_h), resample=Image.LANCZOS)
        res = Image.new(im.mode, (width, height))
        res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
        return res
    src_w = width if ratio < src_ratio else im.width * height // im.height
    src_h = height if ratio >= src_ratio else im.height * width // im.width
    resized = im.resize((src_w, src_h), resample=Image.LANCZOS)
    res = Image.new(im.mode, (width, height))
    res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
    if ratio < src_ratio:
        fill_height = height // 2 - src_h // 2
        if fill_height > 0:
            res.paste(resized.resize((width, fill_height), box=(0, 0, width, 0)), box=(0, 0))
            res.paste(resized.resize((width, fill_height),
                                     box=(0, resized.height, width, resized.height)),
                      box=(0, fill_height + src_h))
    elif ratio > src_ratio:
        fill_width = width // 2 - src_w // 2
        if fill_width > 0:
            res.paste(resized.resize((fill_width, height), box=(0, 0, 0, height)), box=(0, 0))
            res.paste(resized.resize((fill_width, height),
                                     box=(resized.width, 0, resized.width, height)),
                      box=(fill_width + src_w, 0))
    return res


def extras(im, scale, upscaler):
    """modules/upscaler.py Upscaler.upscale for the Lanczos and Nearest upscalers: one resize to
    int(side x scale), then LANCZOS to the multiple of 8 below side x scale when that differs."""
    dest = (int((im.width * scale) // 8 * 8), int((im.height * scale) // 8 * 8))
    out = im.resize((int(im.width * scale), int(im.height * scale)), resample=upscaler)
    return out if out.size == dest else out.resize(dest, resample=Image.LANCZOS)


def main():
    cases = []
    filters = {"lanczos": Image.LANCZOS, "bicubic": Image.BICUBIC}
    for (w, h, c) in [(13, 9, 3), (30, 22, 1)]:
        im = pil(source(w, h, c))
        for name, flt in filters.items():
            for (ow, oh) in [(29, 17), (5, 4), (w, 3)]:
                out = np.asarray(im.resize((ow, oh), resample=flt))
                cases.append({"kind": "resize", "filter": name, "w": w, "h": h, "c": c,
                              "ow": ow, "oh": oh, "out": base64.b64encode(out.tobytes()).decode()})
        for mode in (0, 1, 2):
            for (ow, oh) in [(16, 16), (12, 20), (24, 8)]:
                out = np.asarray(a1111(mode, im, ow, oh))
                cases.append({"kind": "a1111", "mode": mode, "w": w, "h": h, "c": c, "ow": ow,
                              "oh": oh, "out": base64.b64encode(out.tobytes()).decode()})
    for (w, h) in [(13, 9), (16, 12)]:
        im = pil(source(w, h, 3))
        for name, flt in {"lanczos": Image.LANCZOS, "nearest": Image.NEAREST}.items():
            for scale in (1.5, 2, 2.5):
                out = extras(im, scale, flt)
                cases.append({"kind": "upscale", "upscaler": name, "scale": scale, "w": w, "h": h,
                              "c": 3, "ow": out.width, "oh": out.height,
                              "out": base64.b64encode(np.asarray(out).tobytes()).decode()})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pil_reference.json.gz")
    text = json.dumps({"pillow": Image.__version__ if hasattr(Image, "__version__") else "",
                       "cases": cases}, separators=(",", ":"))
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:  # same bytes on a rerun
        f.write(text.encode())
    print(path, os.path.getsize(path), "bytes,", len(cases), "cases")


if __name__ == "__main__":
    main()
