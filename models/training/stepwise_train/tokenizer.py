"""A small WordLevel tokenizer that writes (and encodes like) an HF tokenizers tokenizer.json.

Pipeline, as the HF tokenizers library runs it for the JSON this writes:
normalizer Sequence[NFC, Lowercase] -> pre_tokenizer Whitespace (regex \\w+|[^\\w\\s]+) ->
WordLevel lookup (unknown words -> "<|unk|>") -> truncation of the content to
max_length - 2 -> TemplateProcessing "<|startoftext|> $A <|endoftext|>" -> padding on the right
to max_length with the "<|endoftext|>" id.
"""

import json
import os
import re
import unicodedata

BOS, EOS, UNK = "<|startoftext|>", "<|endoftext|>", "<|unk|>"
_WHITESPACE = re.compile(r"\w+|[^\w\s]+")


class WordLevelTokenizer:
    """Word -> id lookup with CLIP-style BOS/EOS framing and fixed-length padding."""

    def __init__(self, words, max_length):
        if max_length < 2:
            raise ValueError(f"max_length {max_length} must be at least 2 (BOS and EOS)")
        vocab = [UNK] + [w for w in dict.fromkeys(words) if w not in (BOS, EOS, UNK)]
        vocab += [BOS, EOS]
        for w in vocab[1:-2]:
            if w != w.lower() or _WHITESPACE.fullmatch(w) is None:
                raise ValueError(f"vocabulary word {w!r} must be lowercase and one pre-token")
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.max_length = max_length
        self.unk_id, self.bos_id, self.eos_id = self.vocab[UNK], self.vocab[BOS], self.vocab[EOS]

    def __len__(self):
        return len(self.vocab)

    def tokens(self, text):
        """Normalised pre-tokens of text (no special tokens)."""
        return _WHITESPACE.findall(unicodedata.normalize("NFC", text).lower())

    def encode(self, text):
        """text -> list of max_length ids: BOS, content (truncated), EOS, EOS padding."""
        ids = [self.vocab.get(t, self.unk_id) for t in self.tokens(text)]
        ids = [self.bos_id] + ids[:self.max_length - 2] + [self.eos_id]
        return ids + [self.eos_id] * (self.max_length - len(ids))

    def _special(self, token, ident):
        return {"id": ident, "content": token, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}

    def to_json(self):
        """The tokenizer.json dict (HF tokenizers serialisation format, version 1.0)."""
        special = {t: {"id": t, "ids": [self.vocab[t]], "tokens": [t]} for t in (BOS, EOS)}
        seq_a = {"Sequence": {"id": "A", "type_id": 0}}
        seq_b = {"Sequence": {"id": "B", "type_id": 1}}
        bos = {"SpecialToken": {"id": BOS, "type_id": 0}}
        eos = {"SpecialToken": {"id": EOS, "type_id": 0}}
        eos1 = {"SpecialToken": {"id": EOS, "type_id": 1}}
        return {
            "version": "1.0",
            "truncation": {"direction": "Right", "max_length": self.max_length,
                           "strategy": "LongestFirst", "stride": 0},
            "padding": {"strategy": {"Fixed": self.max_length}, "direction": "Right",
                        "pad_to_multiple_of": None, "pad_id": self.eos_id, "pad_type_id": 0,
                        "pad_token": EOS},
            "added_tokens": [self._special(t, self.vocab[t]) for t in (UNK, BOS, EOS)],
            "normalizer": {"type": "Sequence",
                           "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {"type": "TemplateProcessing", "single": [bos, seq_a, eos],
                               "pair": [bos, seq_a, eos, seq_b, eos1],
                               "special_tokens": special},
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": dict(self.vocab), "unk_token": UNK},
        }

    def tokenizer_config(self):
        """tokenizer_config.json: model_max_length and the special tokens."""
        return {"model_max_length": self.max_length, "bos_token": BOS, "eos_token": EOS,
                "unk_token": UNK, "pad_token": EOS, "do_lower_case": True,
                "tokenizer_class": "PreTrainedTokenizerFast"}

    @staticmethod
    def from_json(data):
        """Rebuild from a tokenizer.json dict written by to_json (validated)."""
        model = data.get("model", {}) if isinstance(data, dict) else {}
        vocab = model.get("vocab")
        if model.get("type") != "WordLevel" or not isinstance(vocab, dict):
            raise ValueError("tokenizer.json is not a WordLevel model with a vocab object")
        words = [w for w, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
        length = data["padding"]["strategy"]["Fixed"]
        tok = WordLevelTokenizer(words, length)
        if tok.vocab != vocab:
            raise ValueError("tokenizer.json vocab ids are not in the expected order")
        return tok


def save(tokenizer, folder):
    """Write tokenizer.json and tokenizer_config.json into folder."""
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(tokenizer.to_json(), f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer.tokenizer_config(), f, indent=2)
        f.write("\n")
