"""Goldens of an exported pack: keys, shapes, size, and agreement with a fresh forward pass."""

import os
import shutil
import tempfile
import unittest

import torch

from stepwise_train import attention, export_goldens, safetensors_io
from stepwise_train.export_core import export, load_models
from tests import test_export_support as fx

KEYS = {"unet.sample", "unet.timestep", "unet.encoder_hidden_states", "unet.temb", "unet.out",
        "vae.decode.z", "vae.decode.out", "vae.encode.x", "vae.encode.moments",
        "text.input_ids", "text.last_hidden_state", "tokenizer.eval_ids", "ddim.noise",
        "ddim.cond_ids", "ddim.uncond_ids", "ddim.timesteps", "ddim.latents", "ddim.image"}


class ExportGoldensTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cfg, _ = fx.make_run(os.path.join(cls.tmp, "run"), seed=5)
        cls.pack = os.path.join(cls.tmp, "pack")
        cls.captions = fx.read_captions()
        export(cfg, os.path.join(cls.tmp, "run"), cls.pack, cls.captions, fx.attribution(),
               None, fx.FAST)
        cls.path = os.path.join(cls.tmp, "gold.safetensors")
        export_goldens.write(cls.pack, cls.captions, cls.path)
        with open(cls.path, "rb") as f:
            cls.gold, cls.meta = safetensors_io.deserialize(f.read())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_keys_shapes_dtype_and_size(self):
        self.assertEqual(set(self.gold), KEYS)
        self.assertLess(os.path.getsize(self.path), 1_000_000)
        shapes = {k: list(v.shape) for k, v in self.gold.items()}
        self.assertEqual(shapes["unet.sample"], [2, 4, 4, 4])
        self.assertEqual(shapes["unet.encoder_hidden_states"], [2, 10, 16])
        self.assertEqual(shapes["unet.temb"], [2, 64])
        self.assertEqual(shapes["vae.decode.out"], [1, 3, 64, 64])
        self.assertEqual(shapes["vae.encode.moments"], [1, 8, 4, 4])
        self.assertEqual(shapes["tokenizer.eval_ids"], [len(self.captions), 10])
        self.assertEqual(shapes["ddim.image"], [1, 3, 32, 32])
        self.assertEqual(self.gold["ddim.timesteps"].tolist(), [751, 501, 251, 1])
        for k, v in self.gold.items():  # final images in float16 (compared at 2/255)
            self.assertEqual(v.dtype, torch.float16 if k.endswith(".image") else torch.float32, k)
        self.assertEqual(self.meta["tokenizer.captions"].split("\n"), self.captions)
        self.assertEqual(self.meta["ddim.prompt"], self.captions[0])

    def test_goldens_match_a_fresh_pass_over_the_pack(self):
        unet, vae, text, tok, _ = load_models(self.pack)
        attention.set_backend("manual")
        with torch.no_grad():
            out = unet(self.gold["unet.sample"], self.gold["unet.timestep"],
                       self.gold["unet.encoder_hidden_states"])  # [2, 4, 4, 4]
            dec = vae.decode(self.gold["vae.decode.z"])  # [1, 3, 64, 64]
            hidden = text(self.gold["text.input_ids"].long())[0]  # [2, L, D]
        self.assertTrue(torch.allclose(out, self.gold["unet.out"], atol=1e-5))
        self.assertTrue(torch.allclose(dec, self.gold["vae.decode.out"], atol=1e-5))
        self.assertTrue(torch.allclose(hidden, self.gold["text.last_hidden_state"], atol=1e-5))
        self.assertEqual(self.gold["tokenizer.eval_ids"].long().tolist(),
                         [tok.encode(c) for c in self.captions])
        self.assertEqual(self.gold["ddim.cond_ids"].long().tolist()[0],
                         tok.encode(self.captions[0]))
        self.assertGreater(float(self.gold["ddim.image"].std()), 0.0)

    def test_rerun_is_byte_identical(self):
        again = os.path.join(self.tmp, "gold2.safetensors")
        export_goldens.write(self.pack, self.captions, again)
        with open(self.path, "rb") as a, open(again, "rb") as b:
            self.assertEqual(a.read(), b.read())


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SHIPPED_PACK = os.path.join(ROOT, "models", "stepwise-emoji")
SHIPPED_GOLD = os.path.join(ROOT, "src", "test", "resources", "golden", "stepwise-emoji.safetensors")


@unittest.skipUnless(os.path.isdir(SHIPPED_PACK) and os.path.isfile(SHIPPED_GOLD),
                     "no shipped pack or goldens in this checkout")
class ShippedPackGoldensTest(unittest.TestCase):
    """The committed goldens belong to the committed pack: a pack replaced without rerunning
    make_pack_goldens.py fails here (and in the Java parity tests, which compare against them).
    Every key is compared, the preview decoder's vae_preview.decode.* included when present."""

    def test_committed_goldens_match_a_fresh_computation_from_the_committed_pack(self):
        tmp = tempfile.mkdtemp()
        try:
            fresh_path = os.path.join(tmp, "gold.safetensors")
            export_goldens.write(SHIPPED_PACK, fx.read_captions(), fresh_path)
            fresh = safetensors_io.load_file(fresh_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        committed = safetensors_io.load_file(SHIPPED_GOLD)
        # vae_preview.decode.{z,out} exist exactly when the pack has vae_preview/ (its preview
        # decoder); adding or retraining it means rerunning make_pack_goldens.py as well.
        self.assertEqual(set(fresh), set(committed),
                         "the goldens' keys differ from the pack's (a preview decoder added or "
                         "removed?): rerun models/training/make_pack_goldens.py")
        has_preview = os.path.isdir(os.path.join(SHIPPED_PACK, "vae_preview"))
        self.assertEqual("vae_preview.decode.out" in committed, has_preview)
        for key, want in committed.items():
            got = fresh[key]
            self.assertEqual(list(got.shape), list(want.shape), key)
            scale = float(want.abs().max()) or 1.0
            err = float((got - want).abs().max()) / scale  # relative to the golden's range
            self.assertLessEqual(err, 1e-4, f"{key}: max |fresh - committed| / max |committed| = {err:.2e}")


if __name__ == "__main__":
    unittest.main()
