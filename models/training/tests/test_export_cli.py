"""export_pack.py and make_pack_goldens.py as commands; the preview fitted on a dataset pack."""

import contextlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

from stepwise_train import safetensors_io
from tests import test_export_support as fx


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ExportCliTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.run_dir = os.path.join(cls.tmp, "run")
        cfg, _ = fx.make_run(cls.run_dir)
        cls.config = os.path.join(cls.tmp, "tiny.json")
        with open(cls.config, "w") as f:
            json.dump(cfg, f)
        cls.export_pack = _load("export_pack_cli", os.path.join(fx.TRAINING, "export_pack.py"))
        cls.goldens = _load("make_pack_goldens_cli",
                            os.path.join(fx.TRAINING, "make_pack_goldens.py"))
        dataset_pack = _load("dataset_pack_for_test", os.path.join(fx.TRAINING, "dataset",
                                                                   "pack.py"))
        rng = np.random.default_rng(0)
        cls.images = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(6)]
        records = [{"caption": f"thing {i}, twemoji style", "name": f"thing {i}",
                    "style": "twemoji", "skin_tone": "", "category": "objects",
                    "codepoints": "1f600"} for i in range(6)]
        cls.data = os.path.join(cls.tmp, "tiny.swpack")
        dataset_pack.pack(records, [(lambda a=a: a) for a in cls.images], cls.data, 10_000_000,
                          "png", 32, workers=1)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def call(self, module, argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = module.main(argv)
        return code, out.getvalue(), err.getvalue()

    def test_export_with_dataset_then_goldens(self):
        pack = os.path.join(self.tmp, "out", "stepwise-emoji")
        code, out, err = self.call(self.export_pack, [
            "--config", self.config, "--run", self.run_dir, "--out", pack, "--data", self.data,
            "--samples", "2", "--sample-steps", "2", "--hardware", "gpu"])
        self.assertEqual((code, err), (0, ""))
        self.assertIn("preview fitted on 6 dataset images", out)
        with open(os.path.join(pack, "README.md"), encoding="utf-8") as f:
            card = f.read()
        self.assertIn("6 dataset images", card)
        self.assertIn("Hardware: GPU", card)
        self.assertNotIn("CPU-only", card)
        gold = os.path.join(self.tmp, "gold.safetensors")
        code, out, _ = self.call(self.goldens, ["--pack", pack, "--out", gold])
        self.assertEqual(code, 0)
        tensors = safetensors_io.load_file(gold)
        self.assertEqual(list(tensors["tokenizer.eval_ids"].shape), [len(fx.read_captions()), 10])

    def test_refusal_is_one_line_and_status_2(self):
        pack = os.path.join(self.tmp, "out", "refused")
        code, _, err = self.call(self.export_pack, [
            "--config", self.config, "--run", os.path.join(self.tmp, "nowhere"), "--out", pack])
        self.assertEqual(code, 2)
        self.assertEqual(len(err.strip().splitlines()), 1)
        self.assertIn("autoencoder.json is missing", err)
        self.assertFalse(os.path.exists(pack))

    def test_dataset_images_are_read_in_minus_one_to_one(self):
        images = self.export_pack.load_dataset_images(self.data, 3)
        self.assertEqual(list(images.shape), [3, 3, 32, 32])
        want = self.images[0].astype(np.float32).transpose(2, 0, 1) / 127.5 - 1
        self.assertTrue(np.allclose(images[0].numpy(), want))


if __name__ == "__main__":
    sys.exit(unittest.main())
