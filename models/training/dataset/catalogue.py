"""Maps each style's SVG files to emoji and caption records, without rasterizing anything."""

from dataclasses import dataclass
from pathlib import Path

import emoji_names as names

STYLES = ("twemoji", "fluent-flat", "fluent-modern")
# Style -> (package id in sources.json, folder inside the package, how file stems are named).
STYLE_SOURCES = {
    "twemoji": ("twemoji", ".", "codepoints"),
    "fluent-flat": ("fluent", "icons/flat", "fluent-name"),
    "fluent-modern": ("fluent", "icons/modern", "fluent-name"),
}


@dataclass(frozen=True)
class Record:
    """One image of the dataset: an SVG of one style and the emoji it shows."""

    style: str
    svg: Path
    emoji: names.Emoji

    @property
    def file(self):
        return "images/%s/%s.png" % (self.style, self.emoji.key)

    @property
    def caption(self):
        return names.caption(self.emoji.name, self.emoji.skin_tone, self.style)

    def as_json(self):
        """The captions.jsonl line of this record."""
        return {
            "file": self.file,
            "caption": self.caption,
            "name": self.emoji.name,
            "style": self.style,
            "skin_tone": self.emoji.skin_tone,
            "category": self.emoji.category,
            "codepoints": self.emoji.key,
        }


@dataclass
class StyleScan:
    """Result of mapping one style's folder: records plus what could not be used and why."""

    records: list
    unmapped: list  # file stems with no emojibase entry
    mixed_tone: list  # file stems of multi-person emoji with different tones
    duplicates: list  # file stems whose emoji another file of the style already gave


def scan_style(style, folder, index, aliases):
    """Maps every *.svg directly in folder to a Record (sorted by emojibase order, then key)."""
    if style not in STYLE_SOURCES:
        raise ValueError("style %r is not one of %s" % (style, ", ".join(STYLES)))
    naming = STYLE_SOURCES[style][2]
    scan = StyleScan([], [], [], [])
    seen = {}
    for svg in sorted(Path(folder).glob("*.svg")):
        stem = svg.stem
        if naming == "codepoints":
            try:
                codepoints = names.parse_codepoints(stem)
            except ValueError:
                scan.unmapped.append(stem)
                continue
            if names.key_string(codepoints) in index.mixed_tone:
                scan.mixed_tone.append(stem)
                continue
            emoji = index.lookup_codepoints(codepoints)
        else:
            emoji = index.lookup_fluent(stem, aliases)
        if emoji is None:
            scan.unmapped.append(stem)
            continue
        if emoji.key in seen:
            scan.duplicates.append(stem)
            continue
        seen[emoji.key] = True
        scan.records.append(Record(style, svg, emoji))
    scan.records.sort(key=lambda r: (r.emoji.order, r.emoji.key))
    return scan


def check_aliases(index, aliases):
    """Raises ValueError if an alias names a code point sequence emojibase does not know."""
    for stem, hexcode in sorted(aliases.items()):
        if index.lookup_codepoints(names.parse_codepoints(hexcode)) is None:
            raise ValueError("fluent alias %r -> %s names no emoji in emojibase-data" % (stem, hexcode))
