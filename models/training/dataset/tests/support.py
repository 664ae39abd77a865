"""Shared fixture paths and loaders for the dataset tests (no network, no npm)."""

import json
from pathlib import Path

import emoji_names

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_index():
    """EmojiIndex over the tiny fake emojibase data in fixtures/emojibase/en."""
    root = FIXTURES / "packages" / "emojibase" / "en"
    data = json.loads((root / "data.json").read_text(encoding="utf-8"))
    messages = json.loads((root / "messages.json").read_text(encoding="utf-8"))
    return emoji_names.EmojiIndex(data, messages)


def fixture_aliases():
    return json.loads((FIXTURES / "aliases.json").read_text(encoding="utf-8"))["aliases"]
