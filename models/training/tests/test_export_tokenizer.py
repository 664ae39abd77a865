"""The pack's tokenizer.json (from vocab.json): read back by an independent interpreter of the
JSON, it encodes captions to the ids stepwise_train/tokenizer.py gives for the same words."""

import json
import os
import re
import shutil
import tempfile
import unicodedata
import unittest

from stepwise_train import tokenizer as ref_tokenizer
from stepwise_train.export_tokenizer import VocabTokenizer, check_vocab
from tests import test_export_support as fx

# stepwise_train/tokenizer.py names its specials differently; the words are the same.
REF_NAMES = {ref_tokenizer.BOS: "<bos>", ref_tokenizer.EOS: "<eos>", ref_tokenizer.UNK: "<unk>"}


def interpret(data, text):
    """Encode text by reading tokenizer.json the way HF tokenizers runs it (the subset used)."""
    assert data["model"]["type"] == "WordLevel"
    for norm in data["normalizer"]["normalizers"]:
        text = unicodedata.normalize("NFC", text) if norm["type"] == "NFC" else text.lower()
    assert data["pre_tokenizer"]["type"] == "Whitespace"
    vocab = data["model"]["vocab"]
    unk = vocab[data["model"]["unk_token"]]
    content = [vocab.get(w, unk) for w in re.findall(r"\w+|[^\w\s]+", text)]
    specials = data["post_processor"]["special_tokens"]
    single = data["post_processor"]["single"]
    limit = data["truncation"]["max_length"] - sum("SpecialToken" in p for p in single)
    ids = []
    for piece in single:
        if "SpecialToken" in piece:
            ids += specials[piece["SpecialToken"]["id"]]["ids"]
        else:
            ids += content[:limit]
    length = data["padding"]["strategy"]["Fixed"]
    return ids + [data["padding"]["pad_id"]] * (length - len(ids))


class ExportTokenizerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.captions = fx.read_captions()
        cls.vocab = fx.make_vocab(cls.captions + fx.CAPTIONS)["token_to_id"]
        cls.tok = VocabTokenizer(cls.vocab, 12)
        cls.data = cls.tok.to_json()

    def test_json_encodes_like_the_reference_tokenizer(self):
        words = [w for w in self.vocab if w not in fx.SPECIALS]
        ref = ref_tokenizer.WordLevelTokenizer(words, 12)
        ref_names = {i: REF_NAMES.get(w, w) for w, i in ref.vocab.items()}
        names = {i: w for w, i in self.vocab.items()}
        probes = self.captions + fx.CAPTIONS + ["", "Red HEART, unknownword style",
                                                 "a " * 30, "thumbs up!!"]
        for text in probes:
            ids = interpret(self.data, text)
            self.assertEqual(ids, self.tok.encode(text), text)
            self.assertEqual([names[i] for i in ids], [ref_names[i] for i in ref.encode(text)],
                             text)
            for i, word in enumerate(ref.tokens(text)):  # ids are vocab.json's own ids
                if word in self.vocab and i < 10:
                    self.assertEqual(ids[1 + i], self.vocab[word])

    def test_known_caption_by_hand(self):
        v = self.vocab
        want = [2, v["red"], v["heart"], v[","], v["twemoji"], v["style"], 3, 3, 3, 3, 3, 3]
        self.assertEqual(self.tok.encode("Red  Heart, TWEMOJI style"), want)
        self.assertEqual(self.tok.encode("zebra")[:3], [2, 1, 3])

    def test_pad_token_choice(self):
        tok = VocabTokenizer(self.vocab, 6, "<pad>")
        self.assertEqual(tok.encode("red"), [2, self.vocab["red"], 3, 0, 0, 0])
        self.assertEqual(tok.to_json()["padding"]["pad_id"], 0)
        self.assertEqual(tok.tokenizer_config()["pad_token"], "<pad>")
        with self.assertRaisesRegex(ValueError, "pad token"):
            VocabTokenizer(self.vocab, 6, "<unk>")

    def test_structure_for_the_java_reader(self):
        d = self.data
        self.assertEqual(d["model"]["unk_token"], "<unk>")
        self.assertEqual(d["model"]["vocab"], self.vocab)
        self.assertEqual([n["type"] for n in d["normalizer"]["normalizers"]], ["NFC", "Lowercase"])
        single = d["post_processor"]["single"]
        self.assertEqual([p.get("SpecialToken", {}).get("id") for p in single],
                         ["<bos>", None, "<eos>"])
        self.assertEqual([t["content"] for t in d["added_tokens"]],
                         ["<pad>", "<unk>", "<bos>", "<eos>"])
        self.assertEqual(self.tok.tokenizer_config()["model_max_length"], 12)

    def test_save_and_load_round_trip(self):
        folder = tempfile.mkdtemp()
        try:
            self.tok.save(folder)
            back = VocabTokenizer.load(folder)
            with open(os.path.join(folder, "tokenizer.json")) as f:
                self.assertEqual(json.load(f), self.data)
        finally:
            shutil.rmtree(folder)
        self.assertEqual(back.vocab, self.vocab)
        self.assertEqual(back.encode(self.captions[3]), self.tok.encode(self.captions[3]))

    def test_bad_vocab_is_refused(self):
        with self.assertRaisesRegex(ValueError, "<bos> must have id 2"):
            check_vocab({"<pad>": 0, "<unk>": 1, "<eos>": 2, "<bos>": 3})
        with self.assertRaisesRegex(ValueError, "0..4"):
            check_vocab({"<pad>": 0, "<unk>": 1, "<bos>": 2, "<eos>": 3, "red": 7})
        with self.assertRaisesRegex(ValueError, "one pre-token"):
            check_vocab({"<pad>": 0, "<unk>": 1, "<bos>": 2, "<eos>": 3, "red heart": 4})


if __name__ == "__main__":
    unittest.main()
