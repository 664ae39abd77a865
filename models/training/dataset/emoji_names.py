"""Canonical emoji names: code point sequences, CLDR short names and skin tones.

Every image file of every style is mapped to the emoji's code point sequence and from there to
one canonical name, so that the same emoji carries the same words in every style:

* Twemoji names its files by code points (``1f44d-1f3fd.svg``, variation selectors mostly left
  out); Fluent Emoji by words (``thumbs-up-medium-dark.svg``).
* emojibase-data (en/data.json) gives, per emoji, its code points (``hexcode``), its CLDR short
  name (``label``, e.g. "thumbs up"), its group and its skin-tone variants (``skins``, each with a
  ``tone`` of 1..5 or a list of them for multi-person emoji).

Code points are compared after dropping the variation selectors U+FE0E and U+FE0F, which the
packages write inconsistently (Twemoji ``2764.svg`` and ``0023-20e3``... vs emojibase
``0023-FE0F-20E3``); ZWJ (U+200D) and everything else stays, so ``1f468-200d-1f469-200d-1f467``
(family) never matches ``1f468`` (man).
"""

import re
import unicodedata
from dataclasses import dataclass

VARIATION_SELECTORS = frozenset((0xFE0E, 0xFE0F))
ZWJ = 0x200D

# Fitzpatrick modifiers U+1F3FB..U+1F3FF are emojibase tones 1..5 (CLDR "light" .. "dark").
TONE_WORDS = {1: "light", 2: "medium-light", 3: "medium", 4: "medium-dark", 5: "dark"}
TONE_MODIFIERS = {0x1F3FB: 1, 0x1F3FC: 2, 0x1F3FD: 3, 0x1F3FE: 4, 0x1F3FF: 5}

# Style id (command line, folder name) -> words used in the caption's "<style> style" part.
STYLE_WORDS = {
    "twemoji": "twemoji",
    "fluent-flat": "fluent flat",
    "fluent-modern": "fluent modern",
}

# Fluent file-name suffixes for skin tones, longest first so "medium-dark" wins over "dark".
FLUENT_TONE_SUFFIXES = (
    ("medium-light", 2),
    ("medium-dark", 4),
    ("medium", 3),
    ("light", 1),
    ("dark", 5),
)
FLUENT_DEFAULT_SUFFIX = "-default"

_HEX = re.compile(r"^[0-9a-fA-F]{1,6}$")


def parse_codepoints(text):
    """Parses "1f44d-1f3fd", "1F44D_1F3FD" or "1F44D 1F3FD" into a tuple of ints.

    Raises ValueError naming the text when a part is not 1..6 hex digits or not a Unicode scalar.
    """
    parts = [p for p in re.split(r"[-_ ]", text.strip()) if p]
    if not parts:
        raise ValueError("code point sequence %r is empty; expected hex code points like 1f44d-1f3fd" % text)
    out = []
    for part in parts:
        if part[:2] in ("U+", "u+"):
            part = part[2:]
        if not _HEX.match(part):
            raise ValueError("code point %r in %r is not 1 to 6 hex digits" % (part, text))
        value = int(part, 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise ValueError("code point %r in %r is not a Unicode scalar value" % (part, text))
        out.append(value)
    return tuple(out)


def normalise(codepoints):
    """Drops the variation selectors U+FE0E/U+FE0F; keeps ZWJ, tags and modifiers."""
    return tuple(c for c in codepoints if c not in VARIATION_SELECTORS)


def key_string(codepoints):
    """Lower-case hex joined by '-', at least 4 digits each, of the normalised sequence."""
    return "-".join("%04x" % c for c in normalise(codepoints))


def tones_in(codepoints):
    """Tones (1..5) of the Fitzpatrick modifiers in the sequence, in order."""
    return [TONE_MODIFIERS[c] for c in codepoints if c in TONE_MODIFIERS]


def canonical_name(label):
    """The caption name of a CLDR short name: ASCII lower case, no ':' ',' '(' ')' or quotes.

    "flag: Côte d’Ivoire" -> "flag cote d'ivoire", "family: man, woman, girl" -> "family man
    woman girl", "A button (blood type)" -> "a button blood type". Commas are removed because
    they separate the caption's parts. Raises ValueError if anything non-ASCII is left.
    """
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[:,()\"\u201c\u201d]", " ", text.lower())
    text = re.sub(r"\s+", " ", text).strip()
    if not text or not text.isascii():
        raise ValueError("CLDR name %r does not reduce to an ASCII caption name (got %r)" % (label, text))
    return text


def slug(label):
    """Fluent-style file slug of a CLDR name: ASCII lower case words joined by '-'.

    "flag: Côte d’Ivoire" -> "flag-cote-divoire"; apostrophes vanish, other punctuation splits.
    """
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("\u2019", "").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def skin_tone_words(tone):
    """Caption part for a tone 1..5, e.g. 4 -> "medium-dark skin tone"."""
    if tone not in TONE_WORDS:
        raise ValueError("skin tone %r is not one of 1..5" % (tone,))
    return TONE_WORDS[tone] + " skin tone"


def caption(name, skin_tone, style):
    """``name[, skin tone], <style words> style``; skin_tone is "" or e.g. "light skin tone"."""
    if style not in STYLE_WORDS:
        raise ValueError("style %r is not one of %s" % (style, ", ".join(sorted(STYLE_WORDS))))
    if not name or "," in name:
        raise ValueError("caption name %r must be non-empty and free of commas" % (name,))
    parts = [name]
    if skin_tone:
        parts.append(skin_tone)
    parts.append(STYLE_WORDS[style] + " style")
    return ", ".join(parts)


@dataclass(frozen=True)
class Emoji:
    """One emoji (or one skin-tone variant of it) with its canonical caption name."""

    codepoints: tuple  # normalised (no FE0E/FE0F)
    hexcode: str  # emojibase's spelling, kept for the record
    name: str  # canonical_name of the base emoji's CLDR label
    tone: int  # 0 for none, 1..5 for a uniform skin tone
    category: str  # emojibase group key, e.g. "people-body"
    order: int  # emojibase order, for deterministic sorting

    @property
    def key(self):
        return key_string(self.codepoints)

    @property
    def skin_tone(self):
        return skin_tone_words(self.tone) if self.tone else ""


class EmojiIndex:
    """Look-ups from code points and from Fluent file names to :class:`Emoji`.

    Built from emojibase-data's en/data.json list and en/messages.json. Group "component" (the
    bare skin-tone swatches and hair components) is left out. Variants whose people have
    different tones (e.g. "people holding hands: light skin tone, dark skin tone") are recorded
    in :attr:`mixed_tone` and not indexed: their caption would need two tones.
    """

    def __init__(self, data, messages):
        groups = {g["order"]: g["key"] for g in messages["groups"]}
        self.by_key = {}
        self.mixed_tone = set()
        self._by_slug = {}
        self._ambiguous_slugs = set()
        self._variants = {}  # (base key, tone) -> variant
        self.names = {}  # canonical name -> base Emoji, to check names are unique
        for entry in data:
            group = groups.get(entry.get("group"))
            if group is None or group == "component":
                continue
            name = canonical_name(entry["label"])
            order = int(entry.get("order", 0))
            base = self._add(entry["hexcode"], name, 0, group, order)
            if name in self.names and self.names[name].key != base.key:
                raise ValueError("CLDR names %r of %s and %s reduce to the same caption name"
                                 % (name, self.names[name].hexcode, base.hexcode))
            self.names[name] = base
            self._add_slug(slug(entry["label"]), base)
            for skin in entry.get("skins") or []:
                tone = skin.get("tone")
                if isinstance(tone, list):
                    if len(set(tone)) != 1:
                        self.mixed_tone.add(key_string(parse_codepoints(skin["hexcode"])))
                        continue
                    tone = tone[0]
                if tone not in TONE_WORDS:
                    raise ValueError("emojibase skin %s has tone %r, expected 1..5" % (skin["hexcode"], tone))
                variant = self._add(skin["hexcode"], name, tone, group, int(skin.get("order", order)))
                self._variants[(base.key, tone)] = variant
                self._add_slug(slug(entry["label"]) + "-" + TONE_WORDS[tone], variant)

    def _add(self, hexcode, name, tone, group, order):
        codepoints = normalise(parse_codepoints(hexcode))
        emoji = Emoji(codepoints, hexcode, name, tone, group, order)
        self.by_key[emoji.key] = emoji
        return emoji

    def _add_slug(self, key, emoji):
        if key in self._by_slug and self._by_slug[key] != emoji:
            self._ambiguous_slugs.add(key)
        self._by_slug[key] = emoji

    def slug_lookup(self, key):
        if key in self._ambiguous_slugs:
            return None
        return self._by_slug.get(key)

    def lookup_codepoints(self, codepoints):
        """The emoji of a code point sequence (variation selectors ignored), or None."""
        return self.by_key.get(key_string(codepoints))

    def with_tone(self, base, tone):
        """The uniform-tone variant of a base emoji, or None where emojibase has none."""
        if tone == 0:
            return base
        return self._variants.get((base.key, tone))

    def _resolve_base(self, stem, aliases):
        if stem in aliases:
            return self.lookup_codepoints(parse_codepoints(aliases[stem]))
        return self.slug_lookup(stem)

    def lookup_fluent(self, stem, aliases):
        """The emoji of a Fluent file stem such as "thumbs-up-medium-dark", or None.

        Order: alias or exact slug (so "vertical-traffic-light" is not read as a tone), then
        "<base>-default" (the yellow base), then "<base>-<tone>" for the five tones.
        """
        found = self._resolve_base(stem, aliases)
        if found is not None:
            return found
        if stem.endswith(FLUENT_DEFAULT_SUFFIX):
            return self._resolve_base(stem[: -len(FLUENT_DEFAULT_SUFFIX)], aliases)
        for suffix, tone in FLUENT_TONE_SUFFIXES:
            if stem.endswith("-" + suffix):
                base = self._resolve_base(stem[: -len(suffix) - 1], aliases)
                if base is not None and base.tone == 0:
                    return self.with_tone(base, tone)
                return None
        return None
