"""The judge: shapes, augmentations (identity and blur oracles), save/load, split, determinism."""

import os
import shutil
import tempfile
import unittest

import numpy as np
import torch

from eval import judge as J
from eval.data import Dataset, judge_input
from eval.judge_train import split, train
from tests import test_eval_support as fx


class JudgeNetTest(unittest.TestCase):

    def test_forward_shapes(self):
        torch.manual_seed(0)
        m = J.JudgeNet(7, 3, size=32, width=4, hidden=16).eval()
        a, b = m(torch.rand(2, 3, 32, 32))  # [2, 7], [2, 3]
        self.assertEqual(list(a.shape), [2, 7])
        self.assertEqual(list(b.shape), [2, 3])
        a48, _ = J.JudgeNet(5, 3, size=48, width=4, hidden=16).eval()(torch.rand(1, 3, 48, 48))
        self.assertEqual(list(a48.shape), [1, 5])
        with self.assertRaises(ValueError):
            J.JudgeNet(5, 3, size=30)

    def test_augment_is_identity_at_strength_zero(self):
        x = torch.rand(3, 3, 32, 32)  # [3, 3, 32, 32]
        y = J.augment(x, torch.Generator().manual_seed(1), strength=0.0)
        self.assertLess(float((x - y).abs().max()), 1e-5)

    def test_augment_deterministic_and_bounded(self):
        x = torch.rand(4, 3, 32, 32)  # [4, 3, 32, 32]
        a = J.augment(x, torch.Generator().manual_seed(5))
        b = J.augment(x, torch.Generator().manual_seed(5))
        c = J.augment(x, torch.Generator().manual_seed(6))
        self.assertTrue(torch.equal(a, b))
        self.assertGreater(float((a - c).abs().max()), 0.05)
        self.assertEqual(a.shape, x.shape)
        self.assertGreaterEqual(float(a.min()), 0.0)
        self.assertLessEqual(float(a.max()), 1.0)

    def test_augment_fills_with_white(self):
        # A white image stays white under shifts, scales and rotations (white fill).
        x = torch.ones(8, 3, 16, 16)  # [8, 3, 16, 16]
        g = torch.Generator().manual_seed(2)
        y = J.augment(x, g, strength=1.0)
        # brightness/contrast/noise may move it a little, but never towards a black border
        self.assertGreater(float(y.mean()), 0.85)

    def test_blur_matches_direct_convolution(self):
        x = torch.rand(1, 3, 9, 9)  # [1, 3, 9, 9]
        k1 = np.exp(-np.arange(-2.0, 3.0) ** 2 / 2)
        k1 /= k1.sum()
        k2 = np.outer(k1, k1)  # [5, 5]
        pad = np.pad(x[0].numpy().astype(np.float64), ((0, 0), (2, 2), (2, 2)),
                     constant_values=1.0)  # white border
        want = np.zeros((3, 9, 9))
        for c in range(3):
            for i in range(9):
                for j in range(9):
                    want[c, i, j] = (pad[c, i:i + 5, j:j + 5] * k2).sum()
        got = J._blur(x)[0].numpy()  # [3, 9, 9]
        self.assertLess(np.abs(got - want).max(), 1e-6)

    def test_judge_input_is_area_average(self):
        x = torch.rand(2, 3, 128, 128)  # [2, 3, 128, 128]
        y = judge_input(x, 32)  # [2, 3, 32, 32]
        want = x.reshape(2, 3, 32, 4, 32, 4).mean((3, 5))  # [2, 3, 32, 32]
        self.assertLess(float((y - want).abs().max()), 1e-6)

    def test_save_load_round_trip(self):
        tmp = tempfile.mkdtemp()
        try:
            torch.manual_seed(3)
            m = J.JudgeNet(4, 3, 32, 4, 16)
            m.train()
            m(torch.rand(8, 3, 32, 32))  # move the BatchNorm running statistics
            m.eval()
            meta = {"names": ["a", "b", "c", J.OTHER], "styles": ["x", "y", "z"], "size": 32,
                    "width": 4, "hidden": 16, "real_accuracy": {"k": 1}}
            path = os.path.join(tmp, "judge.safetensors")
            J.save(path, m, meta)
            m2, info = J.load(path)
            x = torch.rand(3, 3, 32, 32)  # [3, 3, 32, 32]
            with torch.no_grad():
                self.assertTrue(torch.equal(m(x)[0], m2(x)[0]))
            self.assertEqual(info["names"], meta["names"])
            self.assertEqual(info["real_accuracy"], {"k": 1})
            from stepwise_train import safetensors_io
            other = os.path.join(tmp, "other.safetensors")
            safetensors_io.save_file({"w": torch.zeros(2)}, other)
            with self.assertRaises(ValueError):
                J.load(other)
        finally:
            shutil.rmtree(tmp)


class JudgeTrainTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        fx.make_dataset(cls.tmp)
        cls.ds = Dataset(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_split_rule(self):
        from eval.judge_train import eval_table
        rows = eval_table(fx.EVAL_CAPTIONS, self.ds.records)
        train_idx, tone, held, held_names = split(self.ds.records, rows, seed=0)
        recs = self.ds.records
        # medium-tone red circles are held out, the light one (an eval caption) trains
        self.assertEqual(sorted(recs[i]["caption"] for i in tone),
                         sorted(f"red circle, medium skin tone, {w} style"
                                for w in fx.STYLE_WORDS.values()))
        light = [i for i, r in enumerate(recs) if r["caption"] == fx.EVAL_CAPTIONS[3]]
        self.assertIn(light[0], train_idx)
        # 10% of the 2 non-eval names, rounded up = 1 name, all 3 of its images
        self.assertEqual(len(held_names), 1)
        self.assertIn(held_names[0], ("orange bar", "purple diamond"))
        self.assertEqual(sorted(recs[i]["name"] for i in held), held_names * 3)
        self.assertEqual(len(train_idx) + len(tone) + len(held), len(recs))
        self.assertEqual(rows[3]["skin_tone"], "light")
        self.assertEqual(rows[0]["category"], "symbols")

    def test_deterministic_given_seed(self):
        m1, i1 = train(self.ds, fx.EVAL_CAPTIONS, fx.opts(seed=4), log=lambda m: None)
        m2, i2 = train(self.ds, fx.EVAL_CAPTIONS, fx.opts(seed=4), log=lambda m: None)
        m3, _ = train(self.ds, fx.EVAL_CAPTIONS, fx.opts(seed=5), log=lambda m: None)
        s1, s2, s3 = m1.state_dict(), m2.state_dict(), m3.state_dict()
        self.assertTrue(all(torch.equal(s1[k], s2[k]) for k in s1))
        self.assertFalse(all(torch.equal(s1[k], s3[k]) for k in s1))
        self.assertEqual(i1["names"], ["blue square", "green triangle", "red circle", J.OTHER])
        self.assertEqual(i1["real_accuracy"], i2["real_accuracy"])
        for key in ("held_out_tone_variants", "held_out_names", "eval_captions_clean",
                    "eval_captions_augmented_x8"):
            self.assertIn(key, i1["real_accuracy"])
        self.assertEqual(i1["real_accuracy"]["held_out_tone_variants"]["n"], 3)
        self.assertEqual(i1["real_accuracy"]["eval_captions_augmented_x8"]["n"], 32)

    def test_learns_the_synthetic_set(self):
        m, info = train(self.ds, fx.EVAL_CAPTIONS,
                        fx.opts(steps=120, batch=32, width=8, hidden=32, lr=3e-3),
                        log=lambda m: None)
        clean = info["real_accuracy"]["eval_captions_clean"]
        self.assertGreaterEqual(clean["name_top1"], 0.75)
        self.assertGreaterEqual(clean["style"], 0.75)


if __name__ == "__main__":
    unittest.main()
