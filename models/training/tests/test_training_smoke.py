"""Both training stages for a few CPU steps on synthetic 128x128 images.

Checks finite losses, checkpoints on disk, resumed step counts, EMA != raw weights, a positive
latent scaling factor, the latents file, and resuming from a diffusers-layout pack folder.
"""

import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image

import train_autoencoder
import train_diffusion
from stepwise_train import config, safetensors_io
from stepwise_train import data as train_data
from stepwise_train.pipeline import ddim_txt2img
from stepwise_train.train_common import EMA, split_prefixed
from stepwise_train.train_run import load_run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = [",", "apple", "face", "fluent", "flat", "heart", "red", "style", "twemoji"]
CAPTIONS = ["red apple, twemoji style", "red heart, fluent flat style", "face, twemoji style",
            "red face, fluent flat style", "heart, twemoji style", "apple, fluent flat style"]


def make_dataset(folder):
    """A built-folder layout: captions.jsonl, vocab.json, images/*.png (coloured discs)."""
    os.makedirs(os.path.join(folder, "images"))
    tokens = ["<pad>", "<unk>", "<bos>", "<eos>"] + WORDS
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump({"token_to_id": {t: i for i, t in enumerate(tokens)}, "words": WORDS}, f)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:128, 0:128]
    with open(os.path.join(folder, "captions.jsonl"), "w") as f:
        for i, caption in enumerate(CAPTIONS):
            img = np.full((128, 128, 3), 255, np.uint8)  # [128, 128, 3]
            cx, cy, r = rng.integers(30, 98, 2).tolist() + [int(rng.integers(15, 30))]
            img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.integers(0, 255, 3)
            img[:, :8] = 0  # asymmetric, so flips change the image
            name = f"images/{i}.png"
            Image.fromarray(img).save(os.path.join(folder, name))
            f.write(json.dumps({"file": name, "caption": caption}) + "\n")


def make_config(path):
    with open(os.path.join(ROOT, "configs", "smoke.json")) as f:
        cfg = json.load(f)
    cfg["text_encoder"]["vocab_size"] = 4 + len(WORDS)
    cfg["text_encoder"]["max_position_embeddings"] = 16
    cfg["train"]["autoencoder"]["batch_size"] = 2
    cfg["train"]["diffusion"]["batch_size"] = 4
    cfg["train"]["checkpoint_seconds"] = 0  # a periodic checkpoint after every step
    with open(path, "w") as f:
        json.dump(cfg, f)
    return cfg


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def quiet(fn, argv):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(argv)


class TrainingSmokeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.tmp = tempfile.mkdtemp()
        cls.data = os.path.join(cls.tmp, "data")
        make_dataset(cls.data)
        cls.config = os.path.join(cls.tmp, "config.json")
        cls.cfg = make_config(cls.config)
        cls.ae = os.path.join(cls.tmp, "ae")
        cls.ae_meta = train_autoencoder.train(train_autoencoder.parse_args(
            ["--config", cls.config, "--data", cls.data, "--out", cls.ae, "--max-steps", "3",
             "--device", "cpu", "--quiet"]))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def diffusion(self, out, *extra, keep=None):
        args = train_diffusion.parse_args(["--config", self.config, "--out", out,
                                           "--device", "cpu", "--quiet", *extra])
        return train_diffusion.train(args, keep)

    def test_autoencoder_checkpoint_and_scaling_factor(self):
        meta = self.ae_meta
        self.assertEqual(meta["steps"], 3)
        self.assertTrue(np.isfinite(meta["l1"]))
        self.assertGreater(meta["scaling_factor"], 0)
        self.assertAlmostEqual(meta["scaling_factor"] * meta["latent_std"], 1.0, places=6)
        with open(os.path.join(self.ae, "autoencoder.json")) as f:
            on_disk = json.load(f)
        self.assertEqual(on_disk["steps"], 3)
        state = safetensors_io.load_file(os.path.join(self.ae, "autoencoder.safetensors"))
        self.assertIn("encoder.conv_in.weight", state)
        self.assertIn("decoder.up_blocks.0.upsamplers.0.conv.weight", state)
        self.assertEqual(state["encoder.conv_in.weight"].dtype, torch.float32)
        with open(os.path.join(self.ae, "log.jsonl")) as f:
            log = [json.loads(x) for x in f]
        self.assertTrue(all(np.isfinite(x["l1"]) for x in log if "l1" in x and x["l1"]))
        self.assertFalse(any(n.endswith(".tmp") for n in os.listdir(self.ae)))

    def test_autoencoder_resume_continues_the_step_count(self):
        out = os.path.join(self.tmp, "ae2")
        meta = train_autoencoder.train(train_autoencoder.parse_args(
            ["--config", self.config, "--data", self.data, "--out", out, "--resume", self.ae,
             "--max-steps", "2", "--device", "cpu", "--quiet"]))
        self.assertEqual(meta["steps"], 5)
        self.assertEqual(meta["images_seen"], 10)

    def test_latents_file_holds_the_posterior_means(self):
        path = os.path.join(self.tmp, "latents.safetensors")
        quiet(train_autoencoder.main, ["--config", self.config, "--data", self.data,
                                       "--resume", self.ae, "--export-latents", path,
                                       "--device", "cpu"])
        lat = train_data.load_latents(path)
        self.assertEqual(list(lat.latents.shape), [len(CAPTIONS), 4, 16, 16])
        self.assertEqual(lat.captions, CAPTIONS)
        self.assertAlmostEqual(lat.scaling_factor, self.ae_meta["scaling_factor"], places=9)
        vae = config.build_vae(self.cfg["vae"]).eval()
        vae.load_state_dict(safetensors_io.load_file(os.path.join(self.ae,
                                                                   "autoencoder.safetensors")))
        img = np.asarray(Image.open(os.path.join(self.data, "images", "2.png")))[None]
        with torch.no_grad():
            mean = vae.encode(train_data.to_model_input(torch.from_numpy(img))).mean  # [1,4,16,16]
        # fp16 storage rounds to ~1e-3 relative; batching changes float sums slightly
        torch.testing.assert_close(lat.latents[2:3], mean, atol=2e-3, rtol=2e-3)
        out = os.path.join(self.tmp, "dm-latents")
        meta = self.diffusion(out, "--data", path, "--max-steps", "2")
        self.assertEqual(meta["steps"], 2)
        self.assertTrue(np.isfinite(meta["loss"]))

    def test_diffusion_trains_resumes_and_keeps_ema(self):
        out = os.path.join(self.tmp, "dm")
        keep = {}
        meta = self.diffusion(out, "--data", self.data, "--autoencoder", self.ae,
                              "--max-steps", "3", keep=keep)
        self.assertEqual(meta["steps"], 3)
        self.assertTrue(np.isfinite(meta["loss"]))
        state = safetensors_io.load_file(os.path.join(out, "diffusion_ema.safetensors"))
        self.assertTrue(all(k.startswith(("unet.", "text_encoder.")) for k in state))
        unet_ema = split_prefixed(state, "unet")
        raw = keep["unet"].state_dict()
        self.assertEqual(set(unet_ema), set(raw))
        diff = max(float((unet_ema[k] - raw[k]).abs().max()) for k in raw)
        self.assertGreater(diff, 0.0)  # EMA lags the raw weights
        text_ema = split_prefixed(state, "text_encoder")
        self.assertIn("text_model.embeddings.token_embedding.weight", text_ema)
        for name in ("autoencoder.safetensors", "autoencoder.json", "vocab.json", "log.jsonl"):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        meta2 = self.diffusion(out, "--data", self.data, "--resume", out, "--max-steps", "2")
        self.assertEqual(meta2["steps"], 5)
        self.assertEqual(meta2["images_seen"], 20)
        # The run folder loads back as networks and samples an image (guided DDIM).
        run = load_run(out)
        self.assertEqual(run["steps"], 5)
        self.assertEqual(run["vae"].config["scaling_factor"], self.ae_meta["scaling_factor"])
        torch.manual_seed(0)
        noise = torch.randn(1, 4, 16, 16)  # [1, 4, 16, 16]
        result = ddim_txt2img(run["unet"], run["vae"], run["text_encoder"], run["tokenizer"],
                              run["scheduler"], "red apple, twemoji style", "", noise, 3, 4.0)
        self.assertEqual(list(result["image"].shape), [1, 3, 128, 128])
        self.assertTrue(torch.isfinite(result["image"]).all())
        self.assertEqual(result["uncond_ids"][0, :3].tolist(), [2, 3, 3])

    def test_caption_variety_and_jitter_switches(self):
        # smoke.json turns both on; this data set's vocab.json adds name forms and a fixed size.
        data = os.path.join(self.tmp, "data-forms")
        shutil.copytree(self.data, data)
        with open(os.path.join(data, "vocab.json")) as f:
            vocab = json.load(f)
        vocab["name_forms"] = {"red apple": ["apple", "red"], "red heart": ["heart"]}
        vocab["fixed_size"] = ["red heart"]
        write_json(os.path.join(data, "vocab.json"), vocab)
        tcfg = self.cfg["train"]["diffusion"]
        self.assertEqual(tcfg["jitter"], {"copies": 1, "shift_px": 2, "scale": 0.05})
        out = os.path.join(self.tmp, "dm-variety")
        meta = self.diffusion(out, "--data", data, "--autoencoder", self.ae, "--max-steps", "2")
        self.assertEqual(meta["steps"], 2)
        self.assertTrue(np.isfinite(meta["loss"]))
        self.assertEqual(meta["caption_variety"], tcfg["caption_variety"])
        self.assertEqual(meta["latent_variants"], 4)  # (identity + 1 jittered copy) x flips
        self.assertEqual(meta["jitter"], tcfg["jitter"])
        with open(os.path.join(out, "vocab.json")) as f:  # the run keeps the name forms
            self.assertEqual(json.load(f)["name_forms"], vocab["name_forms"])
        # A latents file holds one mean per image: no jitter copies, variety still on.
        latents = os.path.join(self.tmp, "lat-variety.safetensors")
        quiet(train_autoencoder.main, ["--config", self.config, "--data", data, "--resume",
                                       self.ae, "--export-latents", latents, "--device", "cpu"])
        meta2 = self.diffusion(os.path.join(self.tmp, "dm-variety-lat"), "--data", latents,
                               "--autoencoder", self.ae, "--max-steps", "1")
        self.assertEqual((meta2["latent_variants"], meta2["jitter"]), (1, None))

    def test_ema_average_matches_a_hand_computed_one(self):
        lin = torch.nn.Linear(2, 1)
        with torch.no_grad():
            lin.weight.fill_(1.0)
        ema = EMA({"m": lin}, decay=0.9)
        with torch.no_grad():
            lin.weight.fill_(3.0)
        ema.update({"m": lin}, step=1000)  # decay_at = min(0.9, 1001/1010) = 0.9
        torch.testing.assert_close(ema.state()["m.weight"], torch.full((1, 2), 1.2))
        self.assertAlmostEqual(ema.decay_at(0), 0.1)

    def test_resume_from_a_pack_folder(self):
        src = os.path.join(self.tmp, "dm-src")
        self.diffusion(src, "--data", self.data, "--autoencoder", self.ae, "--max-steps", "1")
        pack = os.path.join(self.tmp, "pack")
        state = safetensors_io.load_file(os.path.join(src, "diffusion_ema.safetensors"))
        vae_state = safetensors_io.load_file(os.path.join(self.ae, "autoencoder.safetensors"))
        half = lambda s: {k: v.half() for k, v in s.items()}  # noqa: E731
        for sub, cfg, weights, fname in (
                ("unet", config.unet_json(self.cfg["unet"]), split_prefixed(state, "unet"),
                 "diffusion_pytorch_model.safetensors"),
                ("vae", dict(config.vae_json(self.cfg["vae"]),
                             scaling_factor=self.ae_meta["scaling_factor"]), vae_state,
                 "diffusion_pytorch_model.safetensors"),
                ("text_encoder", config.clip_text_json(self.cfg["text_encoder"]),
                 split_prefixed(state, "text_encoder"), "model.safetensors")):
            os.makedirs(os.path.join(pack, sub))
            write_json(os.path.join(pack, sub, "config.json"), cfg)
            safetensors_io.save_file(half(weights), os.path.join(pack, sub, fname))
        os.makedirs(os.path.join(pack, "tokenizer"))
        with open(os.path.join(self.data, "vocab.json")) as f:
            vocab = json.load(f)["token_to_id"]
        write_json(os.path.join(pack, "tokenizer", "tokenizer.json"),
                   {"model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"},
                    "padding": {"strategy": {"Fixed": 16}, "pad_token": "<eos>"}})
        write_json(os.path.join(pack, "model_index.json"), {})
        write_json(os.path.join(pack, "training.json"),
                   {"steps": 40, "images_seen": 400, "autoencoder_steps": 7})
        out = os.path.join(self.tmp, "dm-from-pack")
        meta = self.diffusion(out, "--data", self.data, "--resume", pack, "--max-steps", "0")
        self.assertEqual(meta["steps"], 40)
        resumed = safetensors_io.load_file(os.path.join(out, "diffusion_ema.safetensors"))
        for k, v in state.items():  # zero steps: the EMA is the pack's (fp16-rounded) weights
            torch.testing.assert_close(resumed[k], v.half().float(), atol=0, rtol=0)
        meta = self.diffusion(out, "--data", self.data, "--resume", pack, "--max-steps", "2")
        self.assertEqual(meta["steps"], 42)
        self.assertEqual(meta["images_seen"], 400 + 2 * meta["batch_size"])  # cumulative too
        with open(os.path.join(out, "autoencoder.json")) as f:
            self.assertEqual(json.load(f)["steps"], 7)  # the frozen autoencoder's own count


if __name__ == "__main__":
    unittest.main()
