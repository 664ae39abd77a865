"""Speckle measure: small clusters of clashing saturated colours (the autoencoder's artefact).

The shipped autoencoder draws a 5-8 px rainbow speck (magenta, green, cyan side by side) on the
subject's outline, mostly top-left (README.md, "Known defect"). Clean emoji art has flat or
smoothly shaded regions and long boundaries. The measure looks for what the speck is:

1. residual r = max over channels |x - median(x)| (per-channel median over `window` x `window`,
   edge-replicated): a cluster of odd pixels does not survive the median, edges do;
2. novelty: distance (max over channels) from the pixel to the nearest colour of the median
   copy within `reach` x `reach`: where two of the image's colours meet, both are near;
3. candidate: r >= `residual`, novelty >= `novelty`, chroma (max - min of RGB) >= `chroma`,
   within `edge` px of near-white background (median copy >= 0.9 in every channel);
4. 8-connected components of candidates with `min_area`..`max_area` pixels whose hues
   (opponent axes, 10-degree steps) span >= `hue_gap` degrees over >= `sectors` of the six
   60-degree sectors: a rainbow, not a red dot, a gem on gold or a rounded-off corner.

Set on 160 dataset images (seed 1) and their reconstructions by the shipped autoencoder (0%
and 63.7% flagged); checked on 480 other clean images (2.1%: three-colour junctions of thin
parts), 160 more (2.5%; 56.3% of their reconstructions) and the shipped pack's 156 evaluation
images (62.2%). Read a figure near 2% as clean.
"""

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F

DEFAULTS = OrderedDict([("residual", 0.07), ("chroma", 0.2), ("novelty", 0.07), ("min_area", 2),
                        ("max_area", 80), ("hue_gap", 90.0), ("sectors", 3), ("window", 5),
                        ("reach", 7), ("edge", 3)])


def median_filter(images, window=5):
    """Per-channel median over window x window, edge-replicated. [N, 3, H, W] -> same shape."""
    n, c, h, w = images.shape
    p = window // 2
    padded = F.pad(images, (p, p, p, p), mode="replicate")  # [N, 3, H+2p, W+2p]
    cols = F.unfold(padded, window)  # [N, 3 * window^2, H * W]
    cols = cols.view(n, c, window * window, h * w)  # [N, 3, window^2, H * W]
    return cols.median(dim=2).values.view(n, c, h, w)  # [N, 3, H, W]


def novelty(images, smooth, reach=7):
    """Per pixel, the distance (max over channels) from its colour to the nearest colour of the
    smoothed copy within reach x reach: 0 where the colour exists nearby. [N, H, W]."""
    n, c, h, w = images.shape
    p = reach // 2
    padded = F.pad(smooth, (p, p, p, p), mode="replicate")  # [N, 3, H+2p, W+2p]
    cols = F.unfold(padded, reach).view(n, c, reach * reach, h * w)  # [N, 3, reach^2, H * W]
    diff = (cols - images.reshape(n, c, 1, h * w)).abs().amax(1)  # [N, reach^2, H * W]
    return diff.amin(1).view(n, h, w)  # [N, H, W]


def hue_degrees(images):
    """Hue in degrees [0, 360) from the opponent axes. [N, 3, H, W] -> [N, H, W]."""
    r, g, b = images[:, 0], images[:, 1], images[:, 2]  # [N, H, W] each
    alpha = r - (g + b) / 2  # [N, H, W]
    beta = (g - b) * (math.sqrt(3) / 2)  # [N, H, W]
    return torch.rad2deg(torch.atan2(beta, alpha)) % 360  # [N, H, W]


def _components(mask):
    """8-connected components of a bool [H, W] mask -> list of lists of (y, x)."""
    h, w = mask.shape
    todo = set(map(tuple, mask.nonzero().tolist()))
    out = []
    while todo:
        seed = todo.pop()
        stack, comp = [seed], [seed]
        while stack:
            y, x = stack.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    q = (y + dy, x + dx)
                    if q in todo:
                        todo.remove(q)
                        stack.append(q)
                        comp.append(q)
        out.append(comp)
    return out


def _hue_span(hues):
    """Largest circular distance in degrees between any two hues of a small list."""
    best = 0.0
    for i in range(len(hues)):
        for j in range(i + 1, len(hues)):
            d = abs(hues[i] - hues[j]) % 360
            best = max(best, min(d, 360 - d))
    return best


def specks(images, **settings):
    """Per image, the list of specks found: dicts with y, x (top-left of the bounding box),
    area (pixels) and hue_span (degrees). images [N, 3, H, W] in [0, 1]."""
    s = dict(DEFAULTS, **settings)
    x = images.float().clamp(0, 1)  # [N, 3, H, W]
    smooth = median_filter(x, int(s["window"]))  # [N, 3, H, W]
    residual = (x - smooth).abs().amax(1)  # [N, H, W]
    new = novelty(x, smooth, int(s["reach"]))  # [N, H, W]
    chroma = x.amax(1) - x.amin(1)  # [N, H, W]
    hue = hue_degrees(x)  # [N, H, W]
    candidates = ((residual >= s["residual"]) & (chroma >= s["chroma"])
                  & (new >= s["novelty"]))  # [N, H, W]
    if s["edge"] > 0:
        # Only at the subject's outline: within `edge` px of near-white background.
        e = int(s["edge"])
        white = (smooth.amin(1, keepdim=True) >= 0.9).float()  # [N, 1, H, W]
        near = F.max_pool2d(white, 2 * e + 1, stride=1, padding=e)[:, 0] > 0  # [N, H, W]
        candidates &= near
    found = []
    for i in range(x.shape[0]):
        mine = []
        for comp in _components(candidates[i]):
            if not s["min_area"] <= len(comp) <= s["max_area"]:
                continue
            ys = [p[0] for p in comp]
            xs = [p[1] for p in comp]
            # Hues of the component's pixels, coarsened to 10 degrees (a short list to compare).
            hues = sorted(set(round(float(hue[i, y, xx]) / 10) * 10 for y, xx in comp))
            span = _hue_span(hues)
            sectors = len(set(int(h // 60) % 6 for h in hues))
            if span >= s["hue_gap"] and sectors >= s["sectors"]:
                mine.append(OrderedDict([("y", min(ys)), ("x", min(xs)), ("area", len(comp)),
                                         ("hue_span", round(span, 1))]))
        found.append(mine)
    return found


def summary(images, **settings):
    """The eval.json block: n, flagged (share of images with a speck), specks (total), settings,
    flagged_indices (which images)."""
    found = specks(images, **settings)
    flagged = [i for i, f in enumerate(found) if f]
    n = len(found)
    return OrderedDict([("n", n), ("flagged", round(len(flagged) / n, 4) if n else None),
                        ("specks", sum(len(f) for f in found)),
                        ("settings", OrderedDict(DEFAULTS, **settings)),
                        ("flagged_indices", flagged)])
