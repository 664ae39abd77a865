"""DatasetTokenizer: the dataset's ids, <bos> <eos> framing, padding, pack tokenizer.json."""

import unittest

from stepwise_train.train_common import DatasetTokenizer, TrainError

TOKENS = {"<pad>": 0, "<unk>": 1, "<bos>": 2, "<eos>": 3, ",": 4, "-": 5, "apple": 6,
          "dark": 7, "medium": 8, "red": 9, "style": 10, "twemoji": 11}


class DatasetTokenizerTest(unittest.TestCase):

    def test_caption_ids_follow_the_vocab(self):
        tok = DatasetTokenizer(TOKENS, 12)
        self.assertEqual(tok.encode("Red apple, medium-dark twemoji style"),
                         [2, 9, 6, 4, 8, 5, 7, 11, 10, 3, 3, 3])

    def test_empty_caption_is_bos_eos_then_padding(self):
        self.assertEqual(DatasetTokenizer(TOKENS, 6).encode(""), [2, 3, 3, 3, 3, 3])
        self.assertEqual(DatasetTokenizer(TOKENS, 6, "<pad>").encode(""), [2, 3, 0, 0, 0, 0])

    def test_unknown_words_and_truncation(self):
        tok = DatasetTokenizer(TOKENS, 5)
        self.assertEqual(tok.encode("green apple red style"), [2, 1, 6, 9, 3])
        self.assertEqual(tok.content_length("green apple red style"), 4)

    def test_refuses_other_special_ids(self):
        bad = dict(TOKENS, **{"<bos>": 3, "<eos>": 2})
        with self.assertRaises(TrainError):
            DatasetTokenizer(bad, 8)

    def test_reads_a_pack_tokenizer_json(self):
        data = {"model": {"type": "WordLevel", "vocab": TOKENS, "unk_token": "<unk>"},
                "padding": {"strategy": {"Fixed": 7}, "pad_id": 0, "pad_token": "<pad>"}}
        tok = DatasetTokenizer.from_tokenizer_json(data)
        self.assertEqual(tok.encode("red apple"), [2, 9, 6, 3, 0, 0, 0])
        with self.assertRaises(TrainError):
            DatasetTokenizer.from_tokenizer_json({"model": {"type": "BPE"}})


if __name__ == "__main__":
    unittest.main()
