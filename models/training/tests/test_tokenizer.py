"""WordLevel tokenizer: encoding rules and the tokenizer.json it writes."""

import unittest

from stepwise_train.tokenizer import BOS, EOS, UNK, WordLevelTokenizer


class TokenizerTest(unittest.TestCase):

    def setUp(self):
        self.tok = WordLevelTokenizer(["a", "red", "heart", "emoji"], 8)
        self.v = self.tok.vocab

    def test_ids_layout(self):
        self.assertEqual(self.v[UNK], 0)
        self.assertEqual((self.v[BOS], self.v[EOS]), (5, 6))
        self.assertEqual(len(self.tok), 7)

    def test_prompt_is_framed_and_padded_with_eos(self):
        self.assertEqual(self.tok.encode("a red heart emoji"), [5, 1, 2, 3, 4, 6, 6, 6])
        self.assertEqual(self.tok.encode(""), [5, 6, 6, 6, 6, 6, 6, 6])

    def test_normalisation_and_unknown(self):
        self.assertEqual(self.tok.encode("  A\tRED, cat!"), [5, 1, 2, 0, 0, 0, 6, 6])

    def test_truncates_content_to_max_minus_two(self):
        ids = self.tok.encode("a " * 20)
        self.assertEqual(ids, [5] + [1] * 6 + [6])

    def test_json_structure_and_round_trip(self):
        j = self.tok.to_json()
        self.assertEqual(j["model"]["type"], "WordLevel")
        self.assertEqual(j["model"]["unk_token"], UNK)
        self.assertEqual(j["normalizer"]["normalizers"], [{"type": "NFC"}, {"type": "Lowercase"}])
        self.assertEqual(j["pre_tokenizer"], {"type": "Whitespace"})
        self.assertEqual(j["padding"]["pad_id"], 6)
        self.assertEqual(j["padding"]["strategy"], {"Fixed": 8})
        self.assertEqual(j["truncation"]["max_length"], 8)
        single = j["post_processor"]["single"]
        self.assertEqual(single[0]["SpecialToken"]["id"], BOS)
        self.assertEqual(single[2]["SpecialToken"]["id"], EOS)
        self.assertEqual(WordLevelTokenizer.from_json(j).vocab, self.v)
        self.assertEqual(self.tok.tokenizer_config()["model_max_length"], 8)

    def test_rejects_bad_vocab(self):
        with self.assertRaises(ValueError):
            WordLevelTokenizer(["Red"], 8)
        with self.assertRaises(ValueError):
            WordLevelTokenizer(["two words"], 8)
        with self.assertRaises(ValueError):
            WordLevelTokenizer(["a"], 1)


if __name__ == "__main__":
    unittest.main()
