"""Rasterizes SVG files to size x size RGB PNGs on white with rsvg-convert (Debian librsvg2-bin).

rsvg-convert scales the SVG's viewBox to fit size x size keeping its aspect ratio (``-a``) and
writes RGBA; the result is alpha-composited over white and, where the aspect ratio left it
smaller than size in one direction, centred on a white size x size canvas.
"""

import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

RSVG = "rsvg-convert"


def require_rsvg():
    """Path of rsvg-convert; raises RuntimeError saying how to install it when missing."""
    path = shutil.which(RSVG)
    if path is None:
        raise RuntimeError("rsvg-convert is not on PATH; install Debian's librsvg2-bin "
                           "(apt-get install -y librsvg2-bin)")
    return path


def on_white(image, size):
    """RGB size x size array of an RGBA/RGB PIL image composited over white and centred."""
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)  # [h, w, 4]
    alpha = rgba[..., 3:4] / 255.0  # [h, w, 1]
    rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)  # [h, w, 3], "over" white
    h, w = rgb.shape[:2]
    if h > size or w > size:
        raise ValueError("rendered image is %dx%d, larger than %dx%d" % (w, h, size, size))
    canvas = np.full((size, size, 3), 255.0, dtype=np.float32)  # [size, size, 3]
    top, left = (size - h) // 2, (size - w) // 2
    canvas[top:top + h, left:left + w] = rgb
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)


def render(svg, size):
    """size x size x 3 uint8 array of one SVG file; raises RuntimeError when rsvg-convert fails."""
    result = subprocess.run(
        [RSVG, "-a", "-w", str(size), "-h", str(size), "-f", "png", str(svg)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError("rsvg-convert failed on %s: %s" % (svg, result.stderr.decode(errors="replace").strip()))
    with Image.open(io.BytesIO(result.stdout)) as image:
        return on_white(image, size)


def render_to_png(svg, target, size):
    """Renders svg into the PNG file target (parent folders created)."""
    pixels = render(svg, size)
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, "RGB").save(target, format="PNG", optimize=True)


def render_all(jobs, size, workers=2):
    """Renders (svg, target) pairs with `workers` rsvg-convert processes at a time.

    Returns a list of (svg, error message) for the files that failed; the others are written.
    """
    failures = []

    def one(job):
        svg, target = job
        try:
            render_to_png(svg, target, size)
            return None
        except (RuntimeError, ValueError, OSError) as error:
            return (svg, str(error))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for outcome in pool.map(one, jobs):
            if outcome is not None:
                failures.append(outcome)
    return failures
