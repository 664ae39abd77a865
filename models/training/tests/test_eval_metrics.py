"""eval.metrics and eval.data.parse_caption on hand-made cases."""

import unittest

from eval import metrics
from eval.data import DataError, parse_caption


def item(name, style, cat, pred_name, pred_style, top5=None):
    it = {"name": name, "style": style, "category": cat, "pred_name": pred_name,
          "pred_style": pred_style, "pred_is_other": pred_name == "<other>"}
    if top5 is not None:
        it["top5"] = top5
    return it


class MetricsTest(unittest.TestCase):

    def test_hand_made_case(self):
        items = [item("cat", "twemoji", "animals", "cat", "twemoji", ["cat"]),
                 item("cat", "fluent-flat", "animals", "dog", "fluent-flat", ["dog", "cat"]),
                 item("tea", "twemoji", "food", "<other>", "fluent-flat", ["<other>"]),
                 item("tea", "fluent-flat", "food", "tea", "twemoji", ["tea"])]
        s = metrics.score(items)
        self.assertEqual(s["n"], 4)
        self.assertEqual(s["name_top1"], 0.5)  # cat ok, tea ok (last)
        self.assertEqual(s["style"], 0.5)  # first two
        self.assertEqual(s["both"], 0.25)  # only the first
        self.assertEqual(s["name_top5"], 0.75)  # the <other> one misses
        self.assertEqual(s["predicted_other"], 0.25)
        self.assertEqual(list(s["per_category"]), ["animals", "food"])
        self.assertEqual(dict(s["per_category"]["animals"]),
                         {"n": 2, "name_top1": 0.5, "style": 1.0, "both": 0.5})
        self.assertEqual(dict(s["per_category"]["food"]),
                         {"n": 2, "name_top1": 0.5, "style": 0.0, "both": 0.0})
        self.assertEqual(dict(s["per_style"]["twemoji"]),
                         {"n": 2, "name_top1": 0.5, "style": 0.5, "both": 0.5})
        self.assertEqual(dict(s["per_style"]["fluent-flat"]),
                         {"n": 2, "name_top1": 0.5, "style": 0.5, "both": 0.0})

    def test_no_top5_and_empty(self):
        s = metrics.score([item("a", "twemoji", "x", "a", "twemoji")])
        self.assertNotIn("name_top5", s)
        self.assertEqual(s["both"], 1.0)
        self.assertIsNone(metrics.score([])["name_top1"])

    def test_tone_word(self):
        from eval.judge_train import tone_word
        self.assertEqual(tone_word("medium skin tone"), "medium")
        self.assertEqual(tone_word("medium-dark skin tone"), "medium-dark")
        self.assertEqual(tone_word("medium"), "medium")
        self.assertEqual(tone_word(""), "")

    def test_parse_caption(self):
        self.assertEqual(parse_caption("red apple, twemoji style"), ("red apple", "", "twemoji"))
        self.assertEqual(parse_caption("cook, medium skin tone, fluent modern style"),
                         ("cook", "medium", "fluent-modern"))
        self.assertEqual(parse_caption("thumbs up, medium-dark skin tone, fluent flat style"),
                         ("thumbs up", "medium-dark", "fluent-flat"))
        with self.assertRaises(DataError):
            parse_caption("red apple")
        with self.assertRaises(DataError):
            parse_caption("red apple, noto style")


if __name__ == "__main__":
    unittest.main()
