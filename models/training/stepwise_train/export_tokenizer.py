"""The pack's WordLevel tokenizer, built from the dataset's vocab.json (ids kept as they are).

vocab.json (models/training/dataset/vocab.py) has "token_to_id" with <pad> 0, <unk> 1, <bos> 2,
<eos> 3, then the words. The pipeline written to tokenizer.json, as the HF tokenizers library
and the Java WordLevelTokenizer run it: normalizer Sequence[NFC, Lowercase] -> pre_tokenizer
Whitespace (regex \\w+|[^\\w\\s]+, tokenizers/src/pre_tokenizers/whitespace.rs) -> WordLevel
lookup (unknown -> <unk>) -> content truncated to max_length - 2 -> TemplateProcessing
"<bos> $A <eos>" -> right padding to max_length with the pad token (<eos> or <pad>).
"""

import json
import os
import re
import unicodedata

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
_SPLIT = re.compile(r"\w+|[^\w\s]+")


def read_vocab(path):
    """vocab.json -> token_to_id dict, validated (specials 0..3, ids 0..n-1, one pre-token each)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    table = data.get("token_to_id") if isinstance(data, dict) else None
    if not isinstance(table, dict) or not table:
        raise ValueError(f"{path} has no token_to_id object (see dataset/vocab.py)")
    return check_vocab(table, path)


def check_vocab(table, where="vocab"):
    for i, token in enumerate(SPECIALS):
        if table.get(token) != i:
            raise ValueError(f"{where}: {token} must have id {i}, found {table.get(token)!r}")
    ids = sorted(table.values())
    if any(type(i) is not int for i in ids) or ids != list(range(len(ids))):
        raise ValueError(f"{where}: ids must be the integers 0..{len(table) - 1}, each once")
    for word in table:
        if word in SPECIALS:
            continue
        if word != word.lower() or _SPLIT.fullmatch(word) is None:
            raise ValueError(f"{where}: word {word!r} must be lower case and one pre-token")
    return dict(table)


class VocabTokenizer:
    """Encodes like the tokenizer.json it writes; ids come straight from vocab.json."""

    def __init__(self, token_to_id, max_length, pad_token=EOS):
        if max_length < 2:
            raise ValueError(f"max_length {max_length} must be at least 2 (<bos> and <eos>)")
        if pad_token not in (EOS, PAD):
            raise ValueError(f"pad token {pad_token!r} must be {EOS!r} or {PAD!r}")
        self.vocab = check_vocab(token_to_id)
        self.max_length = max_length
        self.pad_token = pad_token
        self.unk_id, self.bos_id, self.eos_id = self.vocab[UNK], self.vocab[BOS], self.vocab[EOS]
        self.pad_id = self.vocab[pad_token]

    def __len__(self):
        return len(self.vocab)

    def tokens(self, text):
        return _SPLIT.findall(unicodedata.normalize("NFC", text).lower())

    def unknown_words(self, text):
        return [t for t in self.tokens(text) if t not in self.vocab]

    def encode(self, text):
        """text -> max_length ids: <bos>, content (truncated), <eos>, padding."""
        ids = [self.vocab.get(t, self.unk_id) for t in self.tokens(text)]
        ids = [self.bos_id] + ids[:self.max_length - 2] + [self.eos_id]
        return ids + [self.pad_id] * (self.max_length - len(ids))

    def to_json(self):
        """tokenizer.json (HF tokenizers serialisation, version 1.0)."""
        def special(token):
            return {"id": self.vocab[token], "content": token, "single_word": False,
                    "lstrip": False, "rstrip": False, "normalized": False, "special": True}

        def piece(token, type_id=0):
            return {"SpecialToken": {"id": token, "type_id": type_id}}
        return {
            "version": "1.0",
            "truncation": {"direction": "Right", "max_length": self.max_length,
                           "strategy": "LongestFirst", "stride": 0},
            "padding": {"strategy": {"Fixed": self.max_length}, "direction": "Right",
                        "pad_to_multiple_of": None, "pad_id": self.pad_id, "pad_type_id": 0,
                        "pad_token": self.pad_token},
            "added_tokens": [special(t) for t in SPECIALS],
            "normalizer": {"type": "Sequence",
                           "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [piece(BOS), {"Sequence": {"id": "A", "type_id": 0}}, piece(EOS)],
                "pair": [piece(BOS), {"Sequence": {"id": "A", "type_id": 0}}, piece(EOS),
                         {"Sequence": {"id": "B", "type_id": 1}}, piece(EOS, 1)],
                "special_tokens": {t: {"id": t, "ids": [self.vocab[t]], "tokens": [t]}
                                   for t in (BOS, EOS)}},
            "decoder": None,
            "model": {"type": "WordLevel",
                      "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
                      "unk_token": UNK},
        }

    def tokenizer_config(self):
        return {"model_max_length": self.max_length, "bos_token": BOS, "eos_token": EOS,
                "unk_token": UNK, "pad_token": self.pad_token, "do_lower_case": True,
                "tokenizer_class": "PreTrainedTokenizerFast"}

    def save(self, folder):
        """Write tokenizer.json and tokenizer_config.json into folder."""
        for name, data in (("tokenizer.json", self.to_json()),
                           ("tokenizer_config.json", self.tokenizer_config())):
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2, ensure_ascii=True)
                f.write("\n")

    @staticmethod
    def from_json(data):
        """Rebuild from a tokenizer.json dict this class wrote (validated)."""
        model = data.get("model") if isinstance(data, dict) else None
        if not isinstance(model, dict) or model.get("type") != "WordLevel":
            raise ValueError("tokenizer.json is not a WordLevel model")
        padding = data.get("padding") or {}
        length = (padding.get("strategy") or {}).get("Fixed")
        if type(length) is not int:
            raise ValueError("tokenizer.json has no fixed padding length")
        return VocabTokenizer(model.get("vocab") or {}, length, padding.get("pad_token", EOS))

    @staticmethod
    def load(folder):
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
            return VocabTokenizer.from_json(json.load(f))


def vocab_of_pack(folder):
    """The vocab.json object (dataset/vocab.py layout) of a pack, read from tokenizer.json.

    A run resuming from a shipped pack keeps its vocabulary frozen with this.
    """
    tok = VocabTokenizer.load(os.path.join(folder, "tokenizer"))
    tokens = [t for t, _ in sorted(tok.vocab.items(), key=lambda kv: kv[1])]
    return {"special_tokens": list(SPECIALS), "words": tokens[len(SPECIALS):],
            "token_to_id": dict(tok.vocab)}
