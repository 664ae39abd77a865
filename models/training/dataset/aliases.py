"""Other words for an emoji: short names (shortcodes) and CLDR keywords, for caption variety.

Both come from the pinned emojibase-data package at build time (nothing is committed):

* shortcodes of emojibase's own preset, ``en/shortcodes/emojibase.json`` (hexcode -> a code or a
  list: "thumbsup", "+1", "tada"), underscores read as spaces ("party_popper" -> "party popper");
  the package is MIT. The other presets are not used: ``joypixels`` mirrors a product whose
  licence has its own terms, and ``github``/``iamcal``/``cldr`` add little to the two sources here.
* keywords: the ``tags`` of ``en/data.json`` (CLDR annotation keywords: "kitty", "smile",
  "party"), Unicode License v3 via emojibase's MIT data.

Every form goes through emoji_names.canonical_name (ASCII lower case, no ``: , ( ) "``), so the
vocabulary's split applies unchanged; forms equal to the name are dropped, duplicates removed,
aliases first, then keywords in emojibase's order, at most MAX_FORMS per emoji.

Jitter (train_diffusion.py's small shifts and scalings) is off for emojibase's subgroup
"geometric": the red/black/white squares, circles and diamonds whose names say their size
(black large / medium / medium-small / small square), where a rescaled image would blur the
name's meaning. Arrows keep it: a shift or a 5% scaling does not turn an arrow, and training
uses no flips or rotations.
"""

import json

import emoji_names

SHORTCODES = ("en", "shortcodes", "emojibase.json")
MAX_FORMS = 12
FIXED_SIZE_SUBGROUPS = frozenset(("geometric",))


def _forms(codes, tags, name):
    out = []
    for raw in list(codes) + list(tags):
        try:
            form = emoji_names.canonical_name(str(raw).replace("_", " "))
        except ValueError:
            continue  # nothing ASCII left
        if form != name and form not in out:
            out.append(form)
    return out[:MAX_FORMS]


def name_forms(emojibase_root, names):
    """(forms, fixed_size): forms maps each caption name in `names` to its list of other words;
    fixed_size lists the names (sorted) whose images get no geometric jitter."""
    with open(emojibase_root / "en" / "data.json", encoding="utf-8") as handle:
        data = json.load(handle)
    with open(emojibase_root / "en" / "messages.json", encoding="utf-8") as handle:
        subgroups = {s["order"]: s["key"] for s in json.load(handle)["subgroups"]}
    with open(emojibase_root.joinpath(*SHORTCODES), encoding="utf-8") as handle:
        shortcodes = json.load(handle)
    wanted = set(names)
    forms, fixed = {}, set()
    for entry in data:
        try:
            name = emoji_names.canonical_name(entry["label"])
        except ValueError:
            continue
        if name not in wanted or name in forms:
            continue
        codes = shortcodes.get(entry["hexcode"], [])
        codes = [codes] if isinstance(codes, str) else codes
        forms[name] = _forms(codes, entry.get("tags") or [], name)
        if subgroups.get(entry.get("subgroup")) in FIXED_SIZE_SUBGROUPS:
            fixed.add(name)
    return {n: forms.get(n, []) for n in sorted(wanted)}, sorted(fixed)


def all_words(forms):
    """Every form of every name, for the vocabulary."""
    return [f for fs in forms.values() for f in fs]
