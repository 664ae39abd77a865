"""stepwise_train/prompt_weights.py (A1111 emphasis reference) and its committed golden."""

import json
import os
import sys
import unittest

import torch

from stepwise_train import prompt_weights as pw
from stepwise_train import safetensors_io as st
from stepwise_train.tokenizer import WordLevelTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "src", "test", "resources", "golden", "prompt-weights.safetensors")
sys.path.insert(0, os.path.join(ROOT, "models", "training"))

import make_prompt_goldens  # noqa: E402


class ParseTest(unittest.TestCase):

    def check(self, prompt, expected):
        self.assertEqual(pw.parse_attention(prompt), [list(r) for r in expected], prompt)

    def test_brackets_multiply(self):
        self.check("a cat", [("a cat", 1.0)])
        self.check("the (sun) sets", [("the ", 1.0), ("sun", 1.1), (" sets", 1.0)])
        self.check("[[moon]]", [("moon", 1.0 * (1 / 1.1) * (1 / 1.1))])
        self.check("(((x:1.3)))", [("x", 1.0 * 1.3 * 1.1 * 1.1)])
        self.check("(fox: 0.25 )", [("fox", 0.25)])

    def test_unbalanced_escapes_and_merging(self):
        self.check("(open [both", [("open ", 1.1), ("both", 1.1 * (1 / 1.1))])
        self.check("a) b] c", [("a) b] c", 1.0)])
        self.check("\\(x\\) \\[y\\] \\\\", [("(x) [y] \\", 1.0)])
        self.check("odd\\ slash", [("odd slash", 1.0)])
        self.check("(p)(q) [r][s]", [("pq", 1.1), (" ", 1.0), ("rs", 1 / 1.1)])
        self.check("(same:1.0) words", [("same words", 1.0)])
        self.check("", [("", 1.0)])

    def test_break(self):
        self.check("x BREAK y", [("x", 1.0), ("BREAK", -1.0), ("y", 1.0)])
        self.check("BREAKS and aBREAK", [("BREAKS and aBREAK", 1.0)])
        # Inside brackets the marker is scaled too, and is then no longer a break.
        runs = pw.parse_attention("(x BREAK y)")
        self.assertEqual(runs, [["x", 1.1], ["BREAK", -1.1], ["y", 1.1]])
        self.assertFalse(pw.is_break(runs[1]))

    def test_weight_that_is_not_a_number_raises(self):
        with self.assertRaises(ValueError):
            pw.parse_attention("(a:1.2.3)")


class LayoutAndEmphasisTest(unittest.TestCase):

    def test_break_gives_two_padded_chunks(self):
        tok = WordLevelTokenizer(["a", "b"], 77)
        windows, weights = pw.layout(tok, pw.parse_attention("a BREAK (b)"))
        self.assertEqual(len(windows), 2)
        a, b = tok.vocab["a"], tok.vocab["b"]
        self.assertEqual(windows[0][:3], [tok.bos_id, a, tok.eos_id])
        self.assertEqual(windows[1][:3], [tok.bos_id, b, tok.eos_id])
        self.assertEqual(weights[1][:3], [1.0, float(torch.tensor(1.1)), 1.0])
        self.assertTrue(all(len(w) == 77 for w in windows + weights))

    def test_comma_backtrack_moves_the_tail(self):
        tok = make_prompt_goldens.comma_tokenizer()
        windows, weights = pw.layout(tok, pw.parse_attention(make_prompt_goldens.comma_prompt()))
        # 70 "a", ",", then 4 "b" fill chunk 1; the 76th token moves the 4 "b" after the comma.
        self.assertEqual(len(windows), 2)
        comma, b = tok.vocab[","], tok.vocab["b"]
        self.assertEqual(windows[0][71], comma)
        self.assertEqual(windows[0][72], tok.eos_id)
        self.assertEqual(windows[1][1:11], [b] * 10)
        self.assertEqual(windows[1][11], tok.eos_id)
        no_backtrack, _ = pw.layout(tok, pw.parse_attention(make_prompt_goldens.comma_prompt()),
                                    backtrack=0)
        self.assertEqual(no_backtrack[0][72:76], [b] * 4)

    def test_short_window_cuts_and_skips_break(self):
        tok = WordLevelTokenizer(["a", "b"], 6)
        windows, weights = pw.layout(tok, pw.parse_attention("a BREAK (b) a b a"))
        self.assertEqual(len(windows), 1)
        self.assertEqual(windows[0][1:5], [tok.vocab[w] for w in "abab"])
        self.assertEqual(weights[0][2], float(torch.tensor(1.1)))

    def test_emphasis_keeps_the_mean_and_weight_one_changes_nothing(self):
        g = torch.Generator().manual_seed(3)
        z = torch.randn([1, 5, 4], generator=g) + 0.5  # [1, 5, 4]
        w = [1.0, 1.3, 1.0, 0.5, 1.0]
        out = pw.emphasis(z, w)
        self.assertAlmostEqual(float(out.mean()), float(z.mean()), places=6)
        ratio = float(z.mean() / (z * torch.tensor(w)[None, :, None]).mean())
        torch.testing.assert_close(out[0, 1], z[0, 1] * 1.3 * ratio)
        self.assertTrue(torch.equal(pw.emphasis(z, [1.0] * 5), z))


class GoldenTest(unittest.TestCase):

    def test_committed_golden_matches_a_fresh_computation(self):
        with open(GOLDEN, "rb") as f:
            tensors, meta = st.deserialize(f.read())
        fresh, fresh_meta = make_prompt_goldens.goldens(os.path.join(ROOT, "src", "test",
                                                                     "resources"))
        self.assertEqual(json.loads(meta["parse"]), json.loads(fresh_meta["parse"]))
        self.assertEqual(json.loads(meta["cases"]), json.loads(fresh_meta["cases"]))
        self.assertEqual(sorted(tensors), sorted(fresh))
        for key, value in fresh.items():
            torch.testing.assert_close(tensors[key], value, rtol=1e-5, atol=1e-5, msg=key)
        self.assertLess(os.path.getsize(GOLDEN), 64 * 1024)

    def test_committed_sdxl_golden_matches_a_fresh_computation(self):
        with open(GOLDEN.replace("prompt-weights", "sdxl-prompt-weights"), "rb") as f:
            tensors, meta = st.deserialize(f.read())
        fresh, fresh_meta = make_prompt_goldens.sdxl_goldens(os.path.dirname(os.path.dirname(
            GOLDEN)))
        self.assertEqual(json.loads(meta["cases"]), json.loads(fresh_meta["cases"]))
        self.assertEqual(sorted(tensors), sorted(fresh))
        for key, value in fresh.items():
            torch.testing.assert_close(tensors[key], value, rtol=1e-5, atol=1e-5, msg=key)


if __name__ == "__main__":
    unittest.main()
