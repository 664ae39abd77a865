import unittest

import vocab


class VocabTest(unittest.TestCase):
    def test_split(self):
        self.assertEqual(vocab.split_words("Thumbs up, medium-dark skin tone, fluent flat style"),
                         ["thumbs", "up", ",", "medium", "-", "dark", "skin", "tone", ",",
                          "fluent", "flat", "style"])
        self.assertEqual(vocab.split_words("man's shoe, keycap #"), ["man", "'", "s", "shoe", ",", "keycap", "#"])

    def test_build(self):
        captions = ["red heart, twemoji style", "thumbs up, medium-dark skin tone, twemoji style"]
        built = vocab.build_vocab(captions)
        self.assertEqual(built["special_tokens"], ["<pad>", "<unk>", "<bos>", "<eos>"])
        self.assertEqual([built["token_to_id"][t] for t in built["special_tokens"]], [0, 1, 2, 3])
        self.assertEqual(built["words"], sorted(built["words"]))
        self.assertEqual(set(built["words"]), {",", "-", "dark", "heart", "medium", "red", "skin", "style",
                                               "thumbs", "tone", "twemoji", "up"})
        self.assertEqual(len(built["token_to_id"]), 4 + 12)
        self.assertEqual(sorted(built["token_to_id"].values()), list(range(16)))
        self.assertEqual(built, vocab.build_vocab(list(reversed(captions))))

    def test_special_token_text_splits_apart(self):
        built = vocab.build_vocab(["<unk> heart, twemoji style"])
        self.assertEqual(built["token_to_id"]["<unk>"], 1)
        self.assertIn("<", built["words"])
        self.assertIn("unk", built["words"])
        self.assertNotIn("<unk>", built["words"])

if __name__ == "__main__":
    unittest.main()
