"""Seed variety: do the seeds of one style-free caption give different pictures?

Style-free caption: an evaluation caption without its style part ("cat face, fluent flat style"
-> "cat face"; the skin tone stays). Each is drawn with `seeds` seeds; draw k of caption i is
image k * N + i (N captions), the layout of evaluate.py. Two figures:

* multi_style: the share of captions whose draws the judge gives at least two different styles
  (eval/judge.py's style head, the one the accuracy figures use). A model that learned "one
  picture per caption" scores 0; one that samples the three styles evenly scores 1 - 3 / 3^K
  (K = 4: 96%).
* mean_pairwise_distance: the mean absolute difference of RGB values in [0, 1] between two
  draws of one caption, averaged over the K (K - 1) / 2 pairs, then over the captions. 0 for
  identical images; two unrelated emoji on white give about 0.1 to 0.3.
"""

from collections import OrderedDict

from eval.data import parse_caption

VARIETY_SEED_OFFSET = 100000  # variety draws never reuse the accuracy draws' seeds


def style_free(caption):
    """'name[, <tone> skin tone], <style> style' -> 'name[, <tone> skin tone]'."""
    name, tone, _ = parse_caption(caption)
    return name + (f", {tone} skin tone" if tone else "")


def seeds_for(n_captions, draws, seed=0):
    """Seed of draw k of caption i, listed k-major: seed + 100000 + k * N + i."""
    return [seed + VARIETY_SEED_OFFSET + k * n_captions + i
            for k in range(draws) for i in range(n_captions)]


def score(images, pred_styles, n_captions, draws):
    """images [draws * N, 3, H, W] in [0, 1], pred_styles (one style id per image), both
    k-major. Returns an ordered dict: captions, seeds, multi_style, mean_pairwise_distance,
    per_caption [{styles, distance}]."""
    if draws < 2:
        raise ValueError(f"variety needs at least 2 seeds per caption, got {draws}")
    if images.shape[0] != draws * n_captions or len(pred_styles) != draws * n_captions:
        raise ValueError(f"{images.shape[0]} images and {len(pred_styles)} styles for "
                         f"{n_captions} captions x {draws} seeds")
    x = images.float()  # [K * N, 3, H, W]
    per, multi, total = [], 0, 0.0
    for i in range(n_captions):
        rows = [k * n_captions + i for k in range(draws)]
        styles = [pred_styles[r] for r in rows]
        pairs = [(a, b) for j, a in enumerate(rows) for b in rows[j + 1:]]
        dist = sum(float((x[a] - x[b]).abs().mean()) for a, b in pairs) / len(pairs)
        multi += len(set(styles)) >= 2
        total += dist
        per.append(OrderedDict([("styles", styles), ("distance", round(dist, 4))]))
    return OrderedDict([("captions", n_captions), ("seeds", draws),
                        ("multi_style", round(multi / n_captions, 4)),
                        ("mean_pairwise_distance", round(total / n_captions, 4)),
                        ("per_caption", per)])
