"""Batched generation against the project pipeline, evaluate.py end to end on a tiny pack and
on real images, and the model card's Evaluation section."""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import torch
from PIL import Image

from eval import evaluate
from eval import judge as J
from eval.data import Dataset
from eval.generate import generate, initial_noise, load_pack
from eval.judge_train import train
from stepwise_train import model_card
from stepwise_train.pipeline import ddim_txt2img
from tests import test_eval_support as fx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
PACKS = os.path.join(ROOT, "src", "test", "resources", "packs")


class GenerateTest(unittest.TestCase):

    def test_batched_equals_pipeline(self):
        caps = ["a red heart emoji", "rocket, fluent flat style", ""]
        seeds = [7, 8, 9]
        for name in ("tiny-sd", "tiny-sd2"):  # epsilon/leading and v/trailing schedulers
            m = load_pack(os.path.join(PACKS, name))
            got = generate(m, caps, seeds, steps=2, guidance=3.0, batch=2)  # [3, 3, H, W]
            for i in range(3):
                want = ddim_txt2img(m["unet"], m["vae"], m["text_encoder"], m["tokenizer"],
                                    m["scheduler"], caps[i], "", initial_noise(m, seeds[i]), 2,
                                    3.0)["image"]  # [1, 3, H, W]
                self.assertEqual(list(got[i:i + 1].shape), list(want.shape))
                self.assertLess(float((got[i] - want[0]).abs().max()), 1e-4, f"{name} {i}")

    def test_initial_noise_is_seeded_randn(self):
        m = load_pack(os.path.join(PACKS, "tiny-sd"))
        cfg = m["unet"].config
        want = torch.randn((1, cfg["in_channels"], cfg["sample_size"], cfg["sample_size"]),
                           generator=torch.Generator().manual_seed(11))
        self.assertTrue(torch.equal(initial_noise(m, 11), want))


class EvaluateTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.data = os.path.join(cls.tmp, "data")
        fx.make_dataset(cls.data)
        model, info = train(Dataset(cls.data), fx.EVAL_CAPTIONS, fx.opts(steps=2),
                            log=lambda m: None)
        cls.judge = os.path.join(cls.tmp, "judge")
        os.makedirs(cls.judge)
        J.save(os.path.join(cls.judge, "judge.safetensors"), model, info)
        cls.info = info

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def _run(self, *args):
        a = evaluate.parser().parse_args(list(args))
        return evaluate.run(a, log=lambda m: None)

    def test_generated_report(self):
        out = os.path.join(self.tmp, "gen")
        r = self._run("--pack", os.path.join(PACKS, "tiny-sd"), "--judge", self.judge,
                      "--out", out, "--steps", "1", "--seeds", "2", "--tile", "32",
                      "--columns", "3")
        with open(os.path.join(out, "eval.json"), encoding="utf-8") as f:
            ev = json.load(f)
        self.assertEqual(ev["mode"], "generated")
        self.assertEqual(ev["captions"], 4)
        self.assertEqual(ev["images"], 8)
        for key in ("name_top1", "style", "both", "name_top5", "predicted_other"):
            self.assertTrue(0.0 <= ev[key] <= 1.0, key)
        self.assertEqual(sorted(ev["per_style"]), ["fluent-flat", "fluent-modern", "twemoji"])
        self.assertEqual(sorted(ev["per_category"]), ["symbols"])
        self.assertEqual(sum(v["n"] for v in ev["per_style"].values()), 8)
        art = ev["artefacts"]  # the speckle measure runs on every generated image
        self.assertEqual(art["n"], 8)
        self.assertEqual(art["flagged"], round(len(art["flagged_indices"]) / 8, 4))
        var = ev["variety"]  # 4 style-free captions x 4 seeds (the default)
        self.assertEqual((var["captions"], var["seeds"]), (4, 4))
        self.assertEqual(len(var["per_caption"]), 4)
        self.assertTrue(0.0 <= var["multi_style"] <= 1.0)
        self.assertGreater(var["mean_pairwise_distance"], 0.0)  # different noise, different image
        self.assertEqual(ev["artefacts_variety"]["n"], 16)
        self.assertEqual(ev["settings"]["variety_seeds"], 4)
        lines = "\n".join(model_card.eval_section(ev))
        self.assertIn(f"{100 * var['multi_style']:.1f}% of the sets show at least two styles",
                      lines)
        self.assertEqual(ev["judge_real_accuracy"], json.loads(json.dumps(
            self.info["real_accuracy"])))
        self.assertEqual((ev["judge_settings"]["steps"], ev["judge_settings"]["size"]), (2, 32))
        st = ev["settings"]
        self.assertEqual((st["steps"], st["seeds"], st["sampler"], st["image_size"]),
                         (1, 2, "ddim", 32))
        # The headline figures agree with the per-caption predictions.
        right = sum(p == f"{c['name']} / {c['style']}"
                    for row, c in zip(ev["per_caption"], self.info["eval_captions"])
                    for p in row["predicted"])
        self.assertEqual(len(ev["per_caption"]), 4)
        self.assertAlmostEqual(ev["both"], round(right / 8, 4))
        with Image.open(os.path.join(out, "grid.png")) as im:
            self.assertEqual(im.size[0], 3 * (32 + 4) + 4)  # 3 columns of 32 px tiles
        self.assertEqual(r["grid"], "grid.png")
        # Deterministic: a second run gives the same predictions.
        r2 = self._run("--pack", os.path.join(PACKS, "tiny-sd"), "--judge", self.judge,
                       "--out", os.path.join(self.tmp, "gen2"), "--steps", "1", "--seeds", "2",
                       "--tile", "32", "--columns", "3", "--variety-seeds", "0")
        self.assertNotIn("variety", r2)
        self.assertEqual(r2["per_caption"], json.loads(json.dumps(ev["per_caption"])))

    def test_real_report_and_card(self):
        out = os.path.join(self.tmp, "real")
        r = self._run("--real", self.data, "--judge", self.judge, "--out", out, "--tile", "32")
        self.assertEqual(r["mode"], "real")
        self.assertEqual(r["images"], 4)
        self.assertEqual(r["seconds"]["generate"], 0.0)
        clean = self.info["real_accuracy"]["eval_captions_clean"]
        self.assertEqual(r["both"], clean["both"])  # the same images, the same judge
        lines = "\n".join(model_card.eval_section(json.loads(json.dumps(r)), "eval_grid.png"))
        self.assertIn("| name and style |", lines)
        self.assertIn("judge on held-out real images (unseen skin tones)", lines)
        self.assertIn("`fluent-modern`", lines)
        self.assertIn("![evaluation grid](eval_grid.png)", lines)
        self.assertIn(f"{100 * r['name_top1']:.1f}%", lines)
        self.assertEqual(r["artefacts"]["n"], 4)
        self.assertIn(f"Speckle artefacts (`models/training/eval/artefacts.py`", lines)
        self.assertIn(f"{100 * r['artefacts']['flagged']:.1f}% of the 4 images flagged", lines)
        self.assertEqual(model_card.eval_section({"loss": 0.5, "x": {}}), ["- loss: 0.5"])

    def test_bad_options(self):
        out = os.path.join(self.tmp, "bad")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(evaluate.main(["--pack", os.path.join(PACKS, "tiny-sd"), "--judge",
                                            self.judge, "--out", out, "--sampler", "euler"]), 1)
            self.assertEqual(evaluate.main(["--real", self.data, "--judge",
                                            os.path.join(self.tmp, "nope"), "--out", out]), 1)
        self.assertIn("--sampler 'euler' is not supported", err.getvalue())
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit):
            evaluate.main(["--real", self.data, "--judge", self.judge, "--out", out,
                           "--variety-seeds", "1"])
        self.assertIn("--variety-seeds 1 must be 0 (none) or at least 2", err.getvalue())
        self.assertIn("nope", err.getvalue())
        self.assertFalse(os.path.exists(os.path.join(out, "eval.json")))


class StressTest(unittest.TestCase):

    def test_degradations_keep_shape_and_range(self):
        from eval.stress import degradations
        x = torch.rand(2, 3, 32, 32)  # [2, 3, 32, 32]
        seen = []
        for label, y in degradations(x):
            seen.append(label)
            self.assertEqual(y.shape, x.shape, label)
            self.assertGreaterEqual(float(y.min()), 0.0, label)
            self.assertLessEqual(float(y.max()), 1.0 + 1e-6, label)
        self.assertEqual(seen[0], "clean")
        flat = dict(degradations(x))["flat mean colour"]
        self.assertTrue(torch.allclose(flat[:, :, 0, 0], x.mean((2, 3))))
        self.assertGreater(len(seen), 8)


if __name__ == "__main__":
    unittest.main()
