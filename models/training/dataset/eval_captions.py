"""The fixed evaluation caption list and the deterministic rule that chooses it.

Rule (over the records of all three styles, before any --limit):

1. Candidates are emoji present in every style. Base emoji (no skin tone) are grouped by
   emojibase group (category) and sorted by emojibase order.
2. From each category with n candidates take k = PER_CATEGORY of them, evenly spaced: the items at
   indices floor((i + 0.5) * n / k) for i = 0..k-1 (all of them when n <= k).
3. Categories are visited in emojibase group order; the j-th chosen name overall gets style
   STYLES[j % 3], so the styles take turns within and across categories.
4. Then TONED skin-tone captions: the toned variants present in every style, their base names
   sorted by emojibase order and spaced as in step 2; the i-th gets tone 1 + i % 5 and style
   STYLES[(j + i) % 3], continuing the turn of step 3.

With the pinned packages this gives 8 x 9 categories + 6 = 78 captions (flags: Fluent has few).
"""

from emoji_names import caption, skin_tone_words

STYLES = ("twemoji", "fluent-flat", "fluent-modern")
PER_CATEGORY = 8
TONED = 6


def evenly_spaced(items, k):
    """k items at indices floor((i + 0.5) * n / k), or all of them when n <= k."""
    n = len(items)
    if n <= k:
        return list(items)
    return [items[((2 * i + 1) * n) // (2 * k)] for i in range(k)]


def choose(records, styles=STYLES, per_category=PER_CATEGORY, toned=TONED):
    """Evaluation captions from catalogue records (objects with .style and .emoji)."""
    keys_by_style = {style: set() for style in styles}
    emoji_by_key = {}
    for record in records:
        if record.style in keys_by_style:
            keys_by_style[record.style].add(record.emoji.key)
            emoji_by_key[record.emoji.key] = record.emoji
    common = set.intersection(*keys_by_style.values()) if keys_by_style else set()
    emoji = sorted((emoji_by_key[key] for key in common), key=lambda e: (e.order, e.key))
    bases = [e for e in emoji if e.tone == 0]
    category_order = []
    for e in bases:
        if e.category not in category_order:
            category_order.append(e.category)
    captions = []
    turn = 0
    for category in category_order:
        for e in evenly_spaced([b for b in bases if b.category == category], per_category):
            captions.append(caption(e.name, "", styles[turn % len(styles)]))
            turn += 1
    toned_bases = []
    tones_of = {}
    for e in emoji:
        if e.tone:
            tones_of.setdefault(e.name, set()).add(e.tone)
            if e.name not in toned_bases:
                toned_bases.append(e.name)
    for i, name in enumerate(evenly_spaced(toned_bases, toned)):
        tone = 1 + i % 5
        if tone not in tones_of[name]:
            tone = min(tones_of[name])
        captions.append(caption(name, skin_tone_words(tone), styles[turn % len(styles)]))
        turn += 1
    return captions


def read(path):
    """The captions of an eval_captions.txt file: one per line, blank lines ignored."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def write(captions, path):
    with open(path, "w", encoding="utf-8") as handle:
        for text in captions:
            handle.write(text + "\n")
