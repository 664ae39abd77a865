"""export_pack: a fake run from random modules exported and checked file by file."""

import gzip
import json
import sys
import os
import shutil
import tempfile
import unittest
from unittest import mock

import torch

from stepwise_train import config, export_core, model_card, safetensors_io
from stepwise_train.export_core import ExportError, export
from stepwise_train.pack import clip_keys
from tests import test_export_support as fx

LAYOUT = ["model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
          "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
          "text_encoder/config.json", "text_encoder/model.safetensors",
          "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json",
          "scheduler/scheduler_config.json", "preview/latent_rgb.json", "README.md",
          "samples.png", "training.json"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class ExportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.run_dir = os.path.join(cls.tmp, "run")
        cls.cfg, cls.modules = fx.make_run(cls.run_dir)
        cls.captions = fx.read_captions()
        cls.out = os.path.join(cls.tmp, "packs", "stepwise-emoji")
        cls.summary = export(cls.cfg, cls.run_dir, cls.out, cls.captions, fx.attribution(),
                             None, fx.FAST)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def export_to(self, name, **options):
        out = os.path.join(self.tmp, "packs", name)
        return out, export(self.cfg, self.run_dir, out, self.captions, fx.attribution(), None,
                           dict(fx.FAST, **options))

    def assertNoPartials(self):
        left = [n for n in os.listdir(os.path.join(self.tmp, "packs")) if n.startswith(".")]
        self.assertEqual(left, [])

    def test_every_file_of_the_layout_exists(self):
        for rel in LAYOUT:
            self.assertTrue(os.path.isfile(os.path.join(self.out, rel)), rel)
        self.assertFalse(os.path.exists(os.path.join(self.out, "unet",
                                                     "diffusion_pytorch_model.safetensors"
                                                     ".index.json")))
        self.assertEqual(os.stat(self.out).st_mode & 0o755, 0o755)  # not mkdtemp's 0700
        index = read(os.path.join(self.out, "model_index.json"))
        self.assertEqual(index["unet"], ["diffusers", "UNet2DConditionModel"])
        self.assertEqual(index["scheduler"], ["diffusers", "DDIMScheduler"])
        self.assertNoPartials()

    def test_cumulative_steps_travel_with_the_pack_for_resuming(self):
        run_steps = read(os.path.join(self.run_dir, "diffusion.json"))["steps"]
        self.assertGreater(run_steps, 0)
        self.assertEqual(read(os.path.join(self.out, "training.json"))["steps"], run_steps)
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
        import train_diffusion
        seen = read(os.path.join(self.run_dir, "diffusion.json"))["images_seen"]
        self.assertGreater(seen, 0)
        self.assertEqual(train_diffusion.pack_steps(self.out), (run_steps, seen))

    def test_configs_load_back_with_the_builders(self):
        unet_cfg = read(os.path.join(self.out, "unet", "config.json"))
        vae_cfg = read(os.path.join(self.out, "vae", "config.json"))
        text_cfg = read(os.path.join(self.out, "text_encoder", "config.json"))
        self.assertEqual(unet_cfg["_class_name"], "UNet2DConditionModel")
        self.assertEqual(vae_cfg["_class_name"], "AutoencoderKL")
        self.assertEqual(text_cfg["architectures"], ["CLIPTextModel"])
        self.assertEqual(vae_cfg["scaling_factor"], 0.8125)  # measured, from autoencoder.json
        self.assertEqual(unet_cfg["block_out_channels"], [16, 32])
        self.assertEqual(text_cfg["vocab_size"], self.cfg["text_encoder"]["vocab_size"])
        self.assertEqual((text_cfg["bos_token_id"], text_cfg["eos_token_id"]), (2, 3))
        self.assertEqual(text_cfg["torch_dtype"], "float16")
        for build, cfg, module in ((config.build_unet, unet_cfg, "unet"),
                                   (config.build_vae, vae_cfg, "vae"),
                                   (config.build_clip_text, text_cfg, "text_encoder")):
            rebuilt = build(cfg)
            self.assertEqual({k: list(v.shape) for k, v in rebuilt.state_dict().items()},
                             {k: list(v.shape) for k, v in
                              self.modules[module].state_dict().items()})
        tok_cfg = read(os.path.join(self.out, "tokenizer", "tokenizer_config.json"))
        self.assertEqual(tok_cfg["model_max_length"], 10)
        sched = read(os.path.join(self.out, "scheduler", "scheduler_config.json"))
        self.assertEqual(sched, self.cfg["scheduler"])

    def test_weights_are_fp16_and_reload_into_the_modules(self):
        files = {"unet": ("unet", "diffusion_pytorch_model.safetensors"),
                 "vae": ("vae", "diffusion_pytorch_model.safetensors"),
                 "text_encoder": ("text_encoder", "model.safetensors")}
        for name, (sub, base) in files.items():
            state = safetensors_io.load_file(os.path.join(self.out, sub, base))
            if name == "text_encoder":
                state = clip_keys(state)
            original = self.modules[name].state_dict()
            self.assertEqual(set(state), set(original), name)
            for k, v in state.items():
                self.assertEqual(v.dtype, torch.float16, k)
                self.assertTrue(torch.equal(v, original[k].half()), k)
                self.assertTrue(torch.allclose(v.float(), original[k], rtol=1e-3, atol=1e-7),
                                k)
        unet, vae, text, tok, _ = export_core.load_models(self.out)
        x = torch.randn(1, 4, 4, 4)  # [1, 4, h, w]
        ctx = torch.randn(1, 10, 16)  # [1, L, D]
        ref = self.modules["unet"](x, torch.tensor([500.0]), ctx)  # [1, 4, h, w]
        got = unet(x, torch.tensor([500.0]), ctx)  # [1, 4, h, w]
        self.assertLess(float((got - ref).abs().max() / ref.abs().max()), 2e-2)

    def test_sharding_with_a_small_limit(self):
        limit = 60_000
        out, _ = self.export_to("sharded", shard_bytes=limit)
        unet_dir = os.path.join(out, "unet")
        index = read(os.path.join(unet_dir, "diffusion_pytorch_model.safetensors.index.json"))
        shards = sorted(set(index["weight_map"].values()))
        self.assertGreater(len(shards), 2)
        self.assertFalse(os.path.exists(os.path.join(unet_dir,
                                                     "diffusion_pytorch_model.safetensors")))
        for name in shards:  # whole files, header included, fit the limit
            self.assertLessEqual(os.path.getsize(os.path.join(unet_dir, name)), limit, name)
        self.assertEqual(sorted(n for n in os.listdir(unet_dir) if n.endswith(".safetensors")),
                         shards)
        merged = safetensors_io.load_sharded(unet_dir, "diffusion_pytorch_model.safetensors")
        original = self.modules["unet"].state_dict()
        self.assertEqual(set(merged), set(original))
        self.assertEqual(index["metadata"]["total_size"],
                         sum(t.numel() * 2 for t in original.values()))
        for k, v in merged.items():
            self.assertTrue(torch.equal(v, original[k].half()), k)

    def test_a_tensor_larger_than_a_shard_is_refused(self):
        with self.assertRaisesRegex(ExportError, "cannot fit a shard file"):
            self.export_to("huge-tensor", shard_bytes=4_000)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "packs", "huge-tensor")))
        self.assertNoPartials()

    def test_budget_check_fires_before_writing(self):
        out = os.path.join(self.tmp, "packs", "too-big")
        with self.assertRaisesRegex(ExportError, "over the budget"):
            export(self.cfg, self.run_dir, out, self.captions, fx.attribution(), None,
                   dict(fx.FAST, budget=100_000))
        self.assertFalse(os.path.exists(out))
        self.assertNoPartials()

    def test_budget_check_counts_every_file(self):
        weights = sum(t.numel() * 2 for m in self.modules.values()
                      for t in m.state_dict().values())
        out = os.path.join(self.tmp, "packs", "too-big-2")
        with self.assertRaisesRegex(ExportError, "pack is .* over the budget"):
            export(self.cfg, self.run_dir, out, self.captions, fx.attribution(), None,
                   dict(fx.FAST, budget=weights + 100))
        self.assertFalse(os.path.exists(out))
        self.assertNoPartials()

    def test_default_budget_is_24_mb(self):
        self.assertEqual(export_core.PACK_BUDGET, 24_000_000)
        self.assertEqual(export_core.SHARD_BYTES, 16 * 1024 * 1024)

    def test_failure_mid_export_leaves_no_folder_and_keeps_an_old_pack(self):
        out = os.path.join(self.tmp, "packs", "failing")
        with mock.patch.object(model_card, "render", side_effect=RuntimeError("boom")):
            with self.assertRaisesRegex(RuntimeError, "boom"):
                export(self.cfg, self.run_dir, out, self.captions, fx.attribution(), None, fx.FAST)
        self.assertFalse(os.path.exists(out))
        self.assertNoPartials()
        out, _ = self.export_to("kept")
        before = sorted(os.listdir(out))
        with mock.patch.object(model_card, "render", side_effect=RuntimeError("boom")):
            with self.assertRaises(RuntimeError):
                export(self.cfg, self.run_dir, out, self.captions, fx.attribution(), None, fx.FAST)
        self.assertEqual(sorted(os.listdir(out)), before)
        self.assertNoPartials()
        stale = os.path.join(out, "stale.txt")  # a successful export replaces the whole folder
        with open(stale, "w") as f:
            f.write("x")
        self.export_to("kept")
        self.assertFalse(os.path.exists(stale))
        self.assertEqual(sorted(os.listdir(out)), before)
        self.assertNoPartials()

    def test_model_card(self):
        with open(os.path.join(self.out, "README.md"), encoding="utf-8") as f:
            card = f.read()
        for licence in ("CC-BY-4.0", "MIT"):
            self.assertIn(licence, card)
        self.assertIn("Twemoji by Twitter", card)
        self.assertIn(f"cumulative steps {fx.STEPS}", card)
        self.assertIn("CPU-only", card)
        self.assertIn("samples.png", card)
        self.assertIn(self.captions[0], card)
        total = sum(os.path.getsize(os.path.join(d, n))
                    for d, _, files in os.walk(self.out) for n in files)
        self.assertIn(f"Pack size: {total:,} bytes", card)
        self.assertEqual(self.summary["bytes"], total)

    def test_sample_grid_has_one_tile_per_caption(self):
        from PIL import Image
        with Image.open(os.path.join(self.out, "samples.png")) as im:
            self.assertEqual(im.size, (4 * 34 + 2, 34 + 2))  # 4 columns of 32 px, 2 px gaps
            tiles = torch.tensor(list(im.convert("RGB").getdata())).view(36, 138, 3)
        self.assertGreater(float(tiles[2:34, 2:34].float().std()), 0.0)  # a drawn tile
        self.assertTrue(bool((tiles[2:34, 70:102] == 255).all()))  # no third caption

    def test_vocab_reads_back_from_the_pack_for_resumed_runs(self):
        from stepwise_train.export_tokenizer import vocab_of_pack
        with open(os.path.join(self.run_dir, "vocab.json")) as f:
            original = json.load(f)
        back = vocab_of_pack(self.out)
        self.assertEqual(back["token_to_id"], original["token_to_id"])
        self.assertEqual(back["words"], original["words"])

    def test_training_captions_travel_as_prompts_txt(self):
        out = os.path.join(self.tmp, "packs", "with-prompts")
        export(self.cfg, self.run_dir, out, self.captions[:1], fx.attribution(), None,
               dict(fx.FAST, samples=1, prompts=["red heart, twemoji style", " ",
                                                  "cat face, fluent flat style"]))
        with gzip.open(os.path.join(out, "prompts.txt.gz"), "rt", encoding="utf-8") as f:
            self.assertEqual(f.read(), "red heart, twemoji style\ncat face, fluent flat style\n")
        card = open(os.path.join(out, "README.md"), encoding="utf-8").read()
        self.assertIn("`prompts.txt.gz` lists the 2 captions", card)
        self.assertFalse(os.path.exists(os.path.join(self.out, "prompts.txt.gz")))  # none given

    def test_unknown_words_of_the_sample_captions_are_reported(self):
        self.assertEqual(self.summary["unknown_words"], [])  # vocab built from these captions
        captions = ["zebra crossing, twemoji style"]
        summary = export(self.cfg, self.run_dir, os.path.join(self.tmp, "packs", "unknown2"),
                         captions, fx.attribution(), None, dict(fx.FAST, samples=1))
        self.assertEqual(summary["unknown_words"], ["crossing", "zebra"])

    def test_hardware_is_read_from_the_run_files(self):
        self.assertEqual(export_core.hardware([{"device": "cpu"}])[1], True)
        self.assertEqual(export_core.hardware([{"runs": [{"device": "cuda:0"}]}])[1], False)
        self.assertEqual(export_core.hardware([{"steps": 3}])[1], None)
        self.assertEqual(export_core.hardware([{"device": "cpu"}], "gpu")[1], False)
        self.assertEqual(export_core.hardware([], "gpu:NVIDIA H200"),
                         ("GPU (CUDA): NVIDIA H200.", False))
        self.assertEqual(export_core.hardware([], "cpu"), ("CPU only.", True))

    def test_history_grows_by_one_entry_per_export(self):
        history = export_core.read_history(self.out)
        self.assertEqual(len(history), 1)
        run_steps = read(os.path.join(self.run_dir, "diffusion.json"))["steps"]
        self.assertEqual(history[-1]["diffusion_steps"], run_steps)
        card = open(os.path.join(self.out, "README.md"), encoding="utf-8").read()
        self.assertIn("## History", card)
        self.assertIn(f"| {run_steps:,} |", card)
        entry = export_core.history_entry({"steps": 7}, {"steps": 9, "images_seen": 90},
                                          {"name_top1": 0.5, "style": 0.75, "name_top5": 0.9,
                                           "images": 156}, "GPU (CUDA).", "second run")
        self.assertEqual((entry["autoencoder_steps"], entry["diffusion_steps"]), (7, 9))
        self.assertEqual(entry["eval"]["name_top1"], 0.5)
        bad = os.path.join(self.tmp, "bad-history.json")
        with open(bad, "w") as f:
            json.dump({"not": "a list"}, f)
        with self.assertRaises(export_core.ExportError):
            export_core.read_history(bad)
        run2 = os.path.join(self.tmp, "run-gpu-log")
        shutil.copytree(self.run_dir, run2)
        with open(os.path.join(run2, "log.jsonl"), "a") as f:
            f.write(json.dumps({"step": 1, "device": "cuda"}) + "\n")
        summary = export(self.cfg, run2, os.path.join(self.tmp, "packs", "gpu-log"),
                         self.captions, fx.attribution(), None, dict(fx.FAST, samples=1))
        self.assertFalse(summary["cpu_only"])

    def test_bad_runs_are_refused_by_name(self):
        bad = dict(self.cfg, text_encoder=dict(self.cfg["text_encoder"], vocab_size=7))
        with self.assertRaisesRegex(ExportError, "vocab_size 7"):
            export(bad, self.run_dir, os.path.join(self.tmp, "packs", "bad"), self.captions,
                   fx.attribution(), None, fx.FAST)
        bad = dict(self.cfg, unet=dict(self.cfg["unet"], block_out_channels=[16, 64]))
        with self.assertRaisesRegex(ExportError, "unet tensor .* has shape"):
            export(bad, self.run_dir, os.path.join(self.tmp, "packs", "bad"), self.captions,
                   fx.attribution(), None, fx.FAST)
        run2 = os.path.join(self.tmp, "run-bad")
        shutil.copytree(self.run_dir, run2)
        with open(os.path.join(run2, "autoencoder.json"), "w") as f:
            json.dump({"steps": 3, "scaling_factor": -1}, f)
        with self.assertRaisesRegex(ExportError, "scaling_factor -1"):
            export(self.cfg, run2, os.path.join(self.tmp, "packs", "bad"), self.captions,
                   fx.attribution(), None, fx.FAST)
        with self.assertRaisesRegex(ExportError, "no licence table"):
            export(self.cfg, self.run_dir, os.path.join(self.tmp, "packs", "bad"),
                   self.captions, "# Sources\n\nnone listed\n", None, fx.FAST)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "packs", "bad")))

    def test_fp16_overflow_is_refused(self):
        with self.assertRaisesRegex(ExportError, "not finite in float16"):
            export_core.to_fp16({"w": torch.tensor([1.0, 70000.0])}, "unet")


if __name__ == "__main__":
    unittest.main()
