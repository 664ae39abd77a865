import tempfile
import unittest
from pathlib import Path

import eval_captions
from catalogue import Record
from emoji_names import Emoji


def emoji(key, name, category, order, tone=0):
    return Emoji((int(key, 16),), key.upper(), name, tone, category, order)


class EvenlySpacedTest(unittest.TestCase):
    def test_indices(self):
        self.assertEqual(eval_captions.evenly_spaced(list(range(10)), 3), [1, 5, 8])
        self.assertEqual(eval_captions.evenly_spaced(list(range(8)), 8), list(range(8)))
        self.assertEqual(eval_captions.evenly_spaced([1, 2], 5), [1, 2])


class ChooseTest(unittest.TestCase):
    def setUp(self):
        styles = eval_captions.STYLES
        self.records = []
        categories = ["smileys-emotion", "food-drink"]
        for c, category in enumerate(categories):
            for i in range(6):
                e = emoji("%x" % (0x1F600 + c * 100 + i), "%s thing %d" % (category.split("-")[0], i),
                          category, c * 100 + i)
                for style in styles:
                    self.records.append(Record(style, Path("x.svg"), e))
        # present in one style only: never chosen
        self.records.append(Record("twemoji", Path("x.svg"), emoji("1f400", "lonely rat", "food-drink", 1)))
        hand = emoji("1f44d", "thumbs up", "people-body", 500)
        for tone in range(1, 6):
            variant = Emoji((0x1F44D, 0x1F3FA + tone), "1F44D", "thumbs up", tone, "people-body", 500 + tone)
            for style in styles:
                self.records.append(Record(style, Path("x.svg"), variant))
        for style in styles:
            self.records.append(Record(style, Path("x.svg"), hand))

    def test_rule(self):
        chosen = eval_captions.choose(self.records, per_category=2, toned=1)
        self.assertEqual(chosen, [
            "smileys thing 1, twemoji style",
            "smileys thing 4, fluent flat style",
            "food thing 1, fluent modern style",
            "food thing 4, twemoji style",
            "thumbs up, fluent flat style",
            "thumbs up, light skin tone, fluent modern style",
        ])
        self.assertNotIn("lonely rat", " ".join(chosen))

    def test_write_read_round_trip(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "eval.txt"
            eval_captions.write(["a, twemoji style", "b, fluent flat style"], path)
            self.assertEqual(eval_captions.read(path), ["a, twemoji style", "b, fluent flat style"])


class CommittedListTest(unittest.TestCase):
    def test_committed_list_shape(self):
        path = Path(eval_captions.__file__).resolve().parent / "eval_captions.txt"
        captions = eval_captions.read(path)
        self.assertTrue(48 <= len(captions) <= 96, len(captions))
        self.assertEqual(len(set(captions)), len(captions))
        for style in ("twemoji style", "fluent flat style", "fluent modern style"):
            count = sum(1 for c in captions if c.endswith(", " + style))
            self.assertGreaterEqual(count, len(captions) // 3 - 1, style)


if __name__ == "__main__":
    unittest.main()
