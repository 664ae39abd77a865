"""Prompt accuracy: the judge's predictions against the names and styles of the captions."""

from collections import OrderedDict


def _rate(hits, n):
    return round(hits / n, 4) if n else None


def _block(rows):
    n = len(rows)
    return OrderedDict([
        ("n", n),
        ("name_top1", _rate(sum(r["name_ok"] for r in rows), n)),
        ("style", _rate(sum(r["style_ok"] for r in rows), n)),
        ("both", _rate(sum(r["name_ok"] and r["style_ok"] for r in rows), n)),
    ])


def score(items):
    """items: dicts with name, style, category (truth), pred_name, pred_style and optionally
    top5 (list of names). Returns an ordered dict: n, name_top1, style, both, name_top5,
    predicted_other, per_category {category: {n, name_top1, style, both}}, per_style {...}.
    A prediction of the judge's OTHER class is a wrong name."""
    rows = []
    for it in items:
        rows.append({"name_ok": it["pred_name"] == it["name"],
                     "style_ok": it["pred_style"] == it["style"],
                     "top5_ok": it["name"] in it.get("top5", ()),
                     "other": it.get("pred_is_other", False),
                     "category": it.get("category") or "?", "style": it["style"]})
    out = _block(rows)
    if all("top5" in it for it in items):
        out["name_top5"] = _rate(sum(r["top5_ok"] for r in rows), len(rows))
    out["predicted_other"] = _rate(sum(r["other"] for r in rows), len(rows))
    for key, field in (("per_category", "category"), ("per_style", "style")):
        groups = OrderedDict()
        for r in rows:
            groups.setdefault(r[field], []).append(r)
        out[key] = OrderedDict((k, _block(v)) for k, v in sorted(groups.items()))
    return out
