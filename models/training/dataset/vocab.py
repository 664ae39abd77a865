"""Word vocabulary of the captions, split the way a HuggingFace WordLevel tokenizer will split them.

Decision: captions are lower-cased and split with the pattern of the HuggingFace ``Whitespace``
pre-tokenizer, ``\\w+|[^\\w\\s]+`` (tokenizers/src/pre_tokenizers/whitespace.rs): runs of word
characters are words, runs of other non-space characters are tokens of their own. So
"thumbs up, medium-dark skin tone, fluent flat style" gives thumbs / up / , / medium / - / dark /
skin / tone / , / fluent / flat / style. Hyphenated tones and names share their parts ("dark",
"medium"), commas keep the caption's part structure visible to the text encoder, and the Java
WordLevel tokenizer (Lowercase normalizer + Whitespace pre-tokenizer) splits a prompt the same
way. Captions are ASCII (see emoji_names.canonical_name), so Python's and Rust's ``\\w`` agree.

vocab.json: {"special_tokens": [...], "words": [...], "token_to_id": {...}, "split": ...};
special tokens take ids 0..3, then the words in sorted order. build.py adds "name_forms"
(caption name -> other words for it: short names and keywords, aliases.py) and "fixed_size"
(names whose images get no geometric jitter); the words of the forms are in the vocabulary, so
training captions that use them never hit <unk>.
"""

import json
import re

SPECIAL_TOKENS = ("<pad>", "<unk>", "<bos>", "<eos>")
SPLIT_PATTERN = r"\w+|[^\w\s]+"
_SPLIT = re.compile(SPLIT_PATTERN)


def split_words(text):
    """Lower-cased tokens of a caption by the Whitespace pre-tokenizer pattern."""
    return _SPLIT.findall(text.lower())


def build_vocab(captions):
    """The vocab.json object for an iterable of captions (deterministic: words sorted)."""
    words = set()
    for text in captions:
        words.update(split_words(text))
    ordered = sorted(words)
    tokens = list(SPECIAL_TOKENS) + ordered
    return {
        "split": "lowercase, then HuggingFace Whitespace pre-tokenizer pattern " + SPLIT_PATTERN,
        "special_tokens": list(SPECIAL_TOKENS),
        "words": ordered,
        "token_to_id": {token: i for i, token in enumerate(tokens)},
    }


def write_vocab(vocab, path):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(vocab, handle, indent=1, ensure_ascii=True)
        handle.write("\n")
