"""The preview decoder: distillation pieces, train_preview_decoder.py's helpers and commands,
and vae_preview/ in an exported pack (export_pack --preview-run, --export, goldens)."""

import contextlib
import importlib.util
import io
import json
import math
import os
import re
import shutil
import tempfile
import unittest

import numpy as np
import torch

import train_preview_decoder as tpd
from stepwise_train import (export_core, export_goldens, preview_distill as pd, preview_pack,
                            safetensors_io)
from stepwise_train.ddim import DDIMScheduler
from stepwise_train.export_core import ExportError, export
from stepwise_train.tiny_vae import AutoencoderTinyDecoder, seeded_weights
from tests import test_export_support as fx

SMALL = {"decoder_block_out_channels": [8, 8, 8], "num_decoder_blocks": [1, 1, 0]}


def quiet(fn, argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = fn(argv)
    return code, out.getvalue(), err.getvalue()


class PreviewDistillTest(unittest.TestCase):

    def test_psnr_of_known_errors(self):
        a = torch.zeros(2, 3, 4, 4, dtype=torch.uint8)
        b = a.clone()
        b[0] += 1  # image 0: every pixel off by 1/255
        # image 0: 10 log10(1 / (1/255)^2) = 20 log10(255); image 1: identical, capped at 99
        want = (20 * math.log10(255) + 99) / 2
        self.assertAlmostEqual(pd.psnr_uint8(a, b), want, places=4)
        c = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
        self.assertAlmostEqual(pd.psnr_uint8(torch.zeros_like(c), c), 0.0, places=6)

    def test_cheap_preview_is_the_linear_projection_then_clamp(self):
        lat = torch.tensor([0.5, -0.25]).view(1, 2, 1, 1)  # [1, C=2, 1, 1]
        factors = [[0.2, 0.4, -0.6], [1.0, 0.0, 2.0]]  # [C, 3]
        bias = [0.1, 0.0, -0.1]
        # r = 0.5*0.2 - 0.25*1.0 + 0.1; g = 0.5*0.4; b = 0.5*-0.6 - 0.25*2 - 0.1 (clamped to -1)
        want = torch.tensor([-0.05, 0.2, -0.9])
        got = pd.cheap_preview(lat, factors, bias, 1, 1)  # [1, 3, 1, 1]
        torch.testing.assert_close(got[0, :, 0, 0], want)
        big = pd.cheap_preview(lat * 4, factors, bias, 3, 3)  # [1, 3, 3, 3], one cell: flat
        # 4x: r = 2*0.2 - 1*1.0 + 0.1, g = 2*0.4, b = -1.2 - 2 - 0.1 (clamped)
        torch.testing.assert_close(big[0, :, 1, 2], torch.tensor([-0.5, 0.8, -1.0]))
        self.assertEqual(list(big.shape), [1, 3, 3, 3])
        self.assertTrue(torch.equal(big, big[:, :, :1, :1].expand(1, 3, 3, 3)))

    def test_upscale_to_the_same_size_is_the_identity(self):
        x = torch.randn(2, 3, 5, 7)
        self.assertIs(pd.upscale_to(x, 5, 7), x)
        y = pd.upscale_to(x, 10, 14)
        self.assertEqual(list(y.shape), [2, 3, 10, 14])
        # bilinear, align_corners=False (the engine's smooth upscaling): [a, b] -> [a, .75a +
        # .25b, .25a + .75b, b]
        row = pd.upscale_to(torch.tensor([[[[1.0, 5.0]]]]), 1, 4)  # [1, 1, 1, 4]
        self.assertEqual(row.flatten().tolist(), [1.0, 2.0, 4.0, 5.0])

    def test_cosine_lr_endpoints(self):
        base, total, warmup, floor = 2e-3, 1000, 50, 0.05
        self.assertAlmostEqual(pd.cosine_lr(base, 0, total, warmup, floor), base / warmup)
        self.assertAlmostEqual(pd.cosine_lr(base, warmup - 1, total, warmup, floor), base)
        self.assertAlmostEqual(pd.cosine_lr(base, warmup, total, warmup, floor), base)
        self.assertAlmostEqual(pd.cosine_lr(base, total, total, warmup, floor), base * floor)
        self.assertAlmostEqual(pd.cosine_lr(base, 5 * total, total, warmup, floor), base * floor)
        mid = pd.cosine_lr(base, (total + warmup) // 2, total, warmup, floor)
        self.assertAlmostEqual(mid, base * (floor + (1 - floor) / 2), places=9)
        # a time-bounded run: the fraction of its budget replaces the step fraction
        self.assertAlmostEqual(pd.cosine_lr(base, 60, 0, warmup, floor, progress=0.0), base)
        self.assertAlmostEqual(pd.cosine_lr(base, 60, 0, warmup, floor, progress=0.5), mid)
        self.assertAlmostEqual(pd.cosine_lr(base, 60, 0, warmup, floor, progress=1.5),
                               base * floor)
        self.assertAlmostEqual(pd.cosine_lr(base, 3, 0, warmup, floor, progress=0.9),
                               base * 4 / warmup)  # still warming up

    def test_uint8_round_trip(self):
        x = torch.tensor([-1.0, -0.5, 0.0, 1.0, 2.0]).view(1, 5, 1, 1)
        u = pd.to_uint8(x)
        self.assertEqual(u.flatten().tolist(), [0, 64, 128, 255, 255])
        torch.testing.assert_close(pd.from_uint8(u).flatten()[[0, 3]], torch.tensor([-1.0, 1.0]))

    def test_loss_decreases_on_a_toy_problem(self):
        torch.manual_seed(0)
        student = pd.new_student({"decoder_block_out_channels": [8, 8],
                                  "num_decoder_blocks": [1, 0]})  # 2x: 4x4 latents -> 8x8
        g = torch.Generator().manual_seed(1)
        lat = torch.randn(8, 4, 4, 4, generator=g)  # [8, 4, 4, 4]
        teacher = torch.tanh(lat[:, :3])  # [8, 3, 4, 4]: a colour per latent cell
        targets = pd.to_uint8(pd.upscale_to(teacher, 16, 16))  # [8, 3, 16, 16], upscaled
        opt = torch.optim.Adam(student.parameters(), lr=1e-2)
        losses = []
        for _ in range(40):
            loss = pd.loss_fn(student, lat, targets)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        self.assertLess(losses[-1], 0.6 * losses[0])
        frames = pd.student_images(student.eval(), lat, 16, 16)
        self.assertEqual((list(frames.shape), frames.dtype), ([8, 3, 16, 16], torch.uint8))


class _Tokens:
    """Caption "k" -> id k + 1; "" -> 0."""

    def encode(self, text):
        return [int(text) + 1 if text else 0]


class _Text(torch.nn.Module):
    def forward(self, ids):
        return (ids.float()[:, :, None],)  # [B, 1, 1]


class _Unet(torch.nn.Module):
    """Returns the caption index as the model output: with prediction_type "sample" and
    guidance 1, every x0 of a caption's trajectory is that index."""

    config = {"in_channels": 2, "sample_size": 3}

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x, t, context):
        k = (context[:, 0, 0] - 1).clamp(min=0)  # [2n]: 0 for the unconditional half
        return k[:, None, None, None].expand_as(x) + self.w


class TrajectoryTest(unittest.TestCase):

    def test_owner_matches_the_row_order_of_trajectories(self):
        sched = DDIMScheduler({"prediction_type": "sample", "clip_sample": False})
        captions = [str(i) for i in range(7)]
        steps, batch = 3, 3  # 7 captions in batches of 3: 3, 3, 1
        x0, xt, index = pd.trajectories(_Unet(), _Text(), _Tokens(), sched, captions, steps,
                                        guidance=1.0, seed=0, batch=batch)
        self.assertEqual(list(x0.shape), [7 * steps, 2, 3, 3])
        self.assertEqual(xt.shape, x0.shape)
        owner = pd.trajectory_owner(len(captions), steps, batch)
        self.assertEqual(x0[:, 0, 0, 0].round().long().tolist(), owner.tolist())
        self.assertTrue(bool((x0 == x0[:, :1, :1, :1]).all()))
        self.assertEqual(index.tolist(), [k for n in (3, 3, 1) for k in range(steps)
                                          for _ in range(n)])
        self.assertIs(tpd._trajectory_owner, pd.trajectory_owner)
        self.assertEqual(pd.trajectory_owner(0, 3, 4).tolist(), [])


def fake_data(n_images=20, captions=10, steps=3, batch=4):
    owner = pd.trajectory_owner(captions, steps, batch)  # [captions * steps]
    rows = owner.numel()
    lat = owner.float()[:, None, None, None].expand(rows, 4, 2, 2).clone()  # value = caption
    img = owner.to(torch.uint8)[:, None, None, None].expand(rows, 3, 4, 4).clone()
    ds = torch.arange(n_images).float()[:, None, None, None].expand(n_images, 4, 2, 2) + 100
    return {"dataset.latents": ds.clone(),
            "dataset.images": (ds[:, :3].repeat(1, 1, 2, 2) - 50).to(torch.uint8),
            "x0.latents": lat, "x0.images": img, "xt.latents": -lat, "xt.images": img.clone(),
            "traj.caption": owner.to(torch.int32),
            "traj.step": torch.zeros(rows, dtype=torch.int32)}


class SplitsAndCardTest(unittest.TestCase):

    def test_captions_are_held_out_as_whole_trajectories(self):
        steps = 3
        tensors = fake_data(captions=10, steps=steps, batch=4)
        train_lat, train_img, held = tpd.splits(tensors, 0.2, seed=7)
        held_caps = set(held["x0"][0][:, 0, 0, 0].long().tolist())
        self.assertEqual(len(held_caps), 2)  # 20% of 10 captions
        self.assertEqual(held["x0"][0].shape[0], 2 * steps)  # every step of each held caption
        self.assertEqual(held["xt"][0].shape[0], 2 * steps)
        self.assertEqual(set((-held["xt"][0][:, 0, 0, 0]).long().tolist()), held_caps)
        trained = train_lat[:, 0, 0, 0]
        traj_train = set(trained[trained < 100].abs().long().tolist())
        self.assertEqual(traj_train & held_caps, set())
        self.assertEqual(traj_train | held_caps, set(range(10)))
        ds_held = set(held["dataset"][0][:, 0, 0, 0].long().tolist())
        ds_train = set(trained[trained >= 100].long().tolist())
        self.assertEqual(len(ds_held), 4)
        self.assertEqual(ds_held & ds_train, set())
        self.assertEqual(ds_held | ds_train, set(range(100, 120)))
        self.assertEqual(train_lat.shape[0], train_img.shape[0])
        # the same seed gives the same split (a resumed run trains on the same rows)
        again = tpd.splits(tensors, 0.2, seed=7)[2]
        self.assertTrue(torch.equal(again["x0"][0], held["x0"][0]))

    def test_card_section_replace_and_insert_are_idempotent(self):
        report = {"student_config": dict(pd.BUILTIN_STUDENT), "train_steps": 1234,
                  "parameters": 56789,
                  "sets": {"dataset": {"count": 3, "psnr_student_db": 30.12,
                                       "psnr_cheap_db": 20.5}}}
        section = tpd.card_section(report)
        self.assertIn("## Preview decoder", section)
        self.assertIn("| 30.12 dB | 20.50 dB |", section)
        self.assertIn("56,789-parameter", section)
        card = "# T\n\n## Evaluation\n\nx\n\n## Samples\n\ns\n\n## Files\n\nf\n"
        once = tpd.with_card_section(card, section)
        self.assertEqual(tpd.with_card_section(once, section), once)
        self.assertLess(once.index("## Preview decoder"), once.index("## Samples"))
        self.assertGreater(once.index("## Preview decoder"), once.index("## Evaluation"))
        report["train_steps"] = 99
        replaced = tpd.with_card_section(once, tpd.card_section(report))
        self.assertEqual(replaced.count(tpd.CARD_BEGIN), 1)
        self.assertIn("in 99 steps", replaced)
        self.assertNotIn("1,234 steps", replaced)
        plain = "# T\n\nno sections\n"
        appended = tpd.with_card_section(plain, section)
        self.assertTrue(appended.startswith(plain.rstrip("\n")))
        self.assertTrue(appended.endswith(tpd.CARD_END + "\n"))
        self.assertEqual(tpd.with_card_section(appended, section), appended)

    def test_prompts_fall_back_to_the_dataset_captions(self):
        tmp = tempfile.mkdtemp()
        try:
            self.assertEqual(tpd._prompts(tmp, ["b", "a", "b", " "], log=lambda m: None),
                             ["a", "b"])
            with open(os.path.join(tmp, "prompts.txt"), "w") as f:
                f.write("x\n\ny\n")
            self.assertEqual(tpd._prompts(tmp, ["a"]), ["x", "y"])
            self.assertEqual(tpd._prompts(None, ["c"]), ["c"])
        finally:
            shutil.rmtree(tmp)

    def test_export_needs_a_pack(self):
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(SystemExit):
                tpd.parse_args(["--run", "r", "--data", "d", "--out", "o", "--export"])
        args = tpd.parse_args(["--pack", "p", "--data", "d", "--out", "o"])
        self.assertEqual(args.device, "cuda" if torch.cuda.is_available() else "cpu")


def seeded_student(cfg=None, seed=11):
    return seeded_weights(AutoencoderTinyDecoder(dict(pd.BUILTIN_STUDENT, **(cfg or SMALL))),
                          seed).eval()


class VaePreviewFolderTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_folder_config_keys_and_reload(self):
        student = seeded_student()
        report = {"sets": {}, "train_steps": 5}
        folder = preview_pack.write_folder(os.path.join(self.tmp, "vae_preview"), student.config,
                                           student.state_dict(), report, 0.5377)
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["_class_name"], "AutoencoderTiny")
        self.assertEqual(cfg["stepwise_vae_scaling_factor"], 0.5377)
        self.assertEqual(cfg["decoder_block_out_channels"], [8, 8, 8])
        self.assertEqual(cfg["num_decoder_blocks"], [1, 1, 0])
        self.assertEqual((cfg["latent_channels"], cfg["upsampling_scaling_factor"],
                          cfg["scaling_factor"]), (4, 2, 1.0))
        with open(os.path.join(folder, "distillation.json")) as f:
            self.assertEqual(json.load(f), report)
        state = safetensors_io.load_file(os.path.join(folder,
                                                      "diffusion_pytorch_model.safetensors"))
        self.assertTrue(all(re.fullmatch(r"decoder\.layers\.\d+\.[\w.]+", k) for k in state))
        self.assertEqual(set(state), set(student.state_dict()))
        self.assertTrue(all(v.dtype == torch.float32 for v in state.values()))
        back = preview_pack.load_folder(folder)
        z = torch.randn(2, 4, 5, 6)
        with torch.no_grad():
            self.assertTrue(torch.equal(back.decode(z), student.decode(z)))
        self.assertEqual(list(back.decode(z).shape), [2, 3, 20, 24])

    def test_fingerprint_is_the_same_for_fp32_and_its_fp16_copy(self):
        g = torch.Generator().manual_seed(0)
        state = {"a.weight": torch.randn(3, 4, generator=g), "b.bias": torch.randn(5, generator=g)}
        fp = preview_pack.vae_fingerprint(state)
        self.assertEqual(fp, preview_pack.vae_fingerprint({k: v.half() for k, v in state.items()}))
        state["b.bias"] = state["b.bias"] + 0.01
        self.assertNotEqual(fp, preview_pack.vae_fingerprint(state))

    def test_teacher_check(self):
        preview_pack.check_teacher({}, 0.5)  # an old report: nothing to check
        report = {"teacher": {"vae_scaling_factor": 0.5, "vae_fingerprint": "sha256:ab"}}
        preview_pack.check_teacher(report, 0.50001, "sha256:ab")
        with self.assertRaisesRegex(preview_pack.PreviewError, "scaling_factor"):
            preview_pack.check_teacher(report, 0.6)
        with self.assertRaisesRegex(preview_pack.PreviewError, "another autoencoder"):
            preview_pack.check_teacher(report, 0.5, "sha256:cd")


def write_preview_run(folder, student, report):
    """The files train_preview_decoder.py leaves in its --out folder."""
    os.makedirs(folder, exist_ok=True)
    safetensors_io.save_file({k: v.contiguous() for k, v in student.state_dict().items()},
                             os.path.join(folder, "student.safetensors"))
    with open(os.path.join(folder, "student.json"), "w") as f:
        json.dump({"step": report["train_steps"], "config": student.config}, f)
    with open(os.path.join(folder, "preview.json"), "w") as f:
        json.dump(report, f)


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PackWithPreviewTest(unittest.TestCase):
    """export_pack --preview-run, train_preview_decoder --pack/--run end to end, goldens."""

    @classmethod
    def setUpClass(cls):
        cls.threads = torch.get_num_threads()
        torch.set_num_threads(1)
        cls.tmp = tempfile.mkdtemp()
        cls.run_dir = os.path.join(cls.tmp, "run")
        cls.cfg, cls.modules = fx.make_run(cls.run_dir, seed=3)
        with open(os.path.join(cls.run_dir, "config.json"), "w") as f:
            json.dump(cls.cfg, f)  # train_diffusion.py's run folders carry their config
        cls.config_path = os.path.join(cls.tmp, "tiny.json")
        with open(cls.config_path, "w") as f:
            json.dump(cls.cfg, f)
        vae_state = export_core.to_fp16(cls.modules["vae"].state_dict(), "vae")
        cls.student = seeded_student()
        cls.report = {"student_config": cls.student.config, "train_steps": 7,
                      "parameters": sum(p.numel() for p in cls.student.parameters()),
                      "sets": {"x0": {"count": 4, "psnr_student_db": 25.0,
                                      "psnr_cheap_db": 15.0}},
                      "teacher": {"vae_scaling_factor": 0.8125,
                                  "vae_fingerprint": preview_pack.vae_fingerprint(vae_state)}}
        cls.preview_run = os.path.join(cls.tmp, "pv")
        write_preview_run(cls.preview_run, cls.student, cls.report)
        cls.pack = os.path.join(cls.tmp, "packs", "with-preview")
        cls.summary = export(cls.cfg, cls.run_dir, cls.pack, fx.read_captions(),
                             fx.attribution(), None,
                             dict(fx.FAST, preview_run=cls.preview_run))
        dataset_pack = _load("dataset_pack_for_preview_test",
                             os.path.join(fx.TRAINING, "dataset", "pack.py"))
        rng = np.random.default_rng(0)
        images = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(6)]
        records = [{"caption": c, "name": c.split(",")[0], "style": "twemoji", "skin_tone": "",
                    "category": "objects", "codepoints": "1f600"}
                   for c in fx.CAPTIONS + fx.read_captions()[:3]]
        cls.data = os.path.join(cls.tmp, "tiny.swpack")
        dataset_pack.pack(records, [(lambda a=a: a) for a in images], cls.data, 10_000_000,
                          "png", 32, workers=1)

    @classmethod
    def tearDownClass(cls):
        torch.set_num_threads(cls.threads)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def card(self, pack):
        with open(os.path.join(pack, "README.md"), encoding="utf-8") as f:
            return f.read()

    def assertFilesTableIsTrue(self, pack):
        card = self.card(pack)
        total = sum(os.path.getsize(os.path.join(d, n))
                    for d, _, files in os.walk(pack) for n in files)
        self.assertIn(f"Pack size: {total:,} bytes", card)
        for d, _, files in os.walk(pack):
            for n in files:
                rel = os.path.relpath(os.path.join(d, n), pack).replace(os.sep, "/")
                self.assertIn(f"| `{rel}` | {os.path.getsize(os.path.join(d, n)):,} |", card)

    def test_export_writes_vae_preview_and_the_card_section(self):
        folder = os.path.join(self.pack, "vae_preview")
        self.assertEqual(sorted(os.listdir(folder)), ["config.json", "diffusion_pytorch_model"
                                                      ".safetensors", "distillation.json"])
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        with open(os.path.join(self.pack, "vae", "config.json")) as f:
            self.assertEqual(cfg["stepwise_vae_scaling_factor"], json.load(f)["scaling_factor"])
        back = preview_pack.load_folder(folder)
        z = torch.randn(1, 4, 4, 4)
        with torch.no_grad():
            self.assertTrue(torch.equal(back.decode(z), self.student.decode(z)))
        card = self.card(self.pack)
        self.assertEqual(card.count(preview_pack.CARD_BEGIN), 1)
        self.assertLess(card.index("## Preview decoder"), card.index("## Samples"))
        self.assertIn("| 25.00 dB | 15.00 dB |", card)
        self.assertFilesTableIsTrue(self.pack)
        self.assertEqual(self.summary["preview_decoder"], "vae_preview")

    def test_the_budget_counts_the_preview_decoder(self):
        plain = os.path.join(self.tmp, "packs", "plain")
        size = export(self.cfg, self.run_dir, plain, fx.read_captions(), fx.attribution(),
                      None, fx.FAST)["bytes"]
        self.assertGreater(self.summary["bytes"], size)
        out = os.path.join(self.tmp, "packs", "over")
        with self.assertRaisesRegex(ExportError, "over the budget"):
            export(self.cfg, self.run_dir, out, fx.read_captions(), fx.attribution(), None,
                   dict(fx.FAST, preview_run=self.preview_run, budget=size + 1000))
        self.assertFalse(os.path.exists(out))

    def test_a_preview_decoder_of_another_autoencoder_is_refused(self):
        other = os.path.join(self.tmp, "pv-other")
        report = dict(self.report, teacher=dict(self.report["teacher"], vae_fingerprint="x"))
        write_preview_run(other, self.student, report)
        with self.assertRaisesRegex(ExportError, "another autoencoder"):
            export(self.cfg, self.run_dir, os.path.join(self.tmp, "packs", "bad"),
                   fx.read_captions(), fx.attribution(), None,
                   dict(fx.FAST, preview_run=other))
        report = dict(self.report, train_steps=6)  # preview.json of an older checkpoint
        write_preview_run(other, self.student, report)
        with open(os.path.join(other, "student.json"), "w") as f:
            json.dump({"step": 7, "config": self.student.config}, f)
        with self.assertRaisesRegex(ExportError, "rerun train_preview_decoder"):
            export(self.cfg, self.run_dir, os.path.join(self.tmp, "packs", "bad"),
                   fx.read_captions(), fx.attribution(), None,
                   dict(fx.FAST, preview_run=other))

    def test_a_pack_exported_again_keeps_its_vae_preview(self):
        pack = os.path.join(self.tmp, "packs", "again")
        shutil.copytree(self.pack, pack)
        # export over the same folder, reading its vae_preview/ (a resume session's export)
        export(self.cfg, self.run_dir, pack, fx.read_captions(), fx.attribution(), None,
               dict(fx.FAST, preview_run=os.path.join(pack, "vae_preview")))
        for name in ("config.json", "diffusion_pytorch_model.safetensors", "distillation.json"):
            with open(os.path.join(self.pack, "vae_preview", name), "rb") as a, \
                    open(os.path.join(pack, "vae_preview", name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        section = re.compile(re.escape(preview_pack.CARD_BEGIN) + ".*"
                             + re.escape(preview_pack.CARD_END), re.S)
        self.assertEqual(section.search(self.card(pack)).group(0),
                         section.search(self.card(self.pack)).group(0))
        bad = os.path.join(self.tmp, "vae_preview-other")
        shutil.copytree(os.path.join(self.pack, "vae_preview"), bad)
        with open(os.path.join(bad, "config.json")) as f:
            cfg = json.load(f)
        cfg["stepwise_vae_scaling_factor"] = 0.18215
        with open(os.path.join(bad, "config.json"), "w") as f:
            json.dump(cfg, f)
        with self.assertRaisesRegex(ExportError, "scaling_factor 0.18215"):
            export(self.cfg, self.run_dir, os.path.join(self.tmp, "packs", "bad2"),
                   fx.read_captions(), fx.attribution(), None, dict(fx.FAST, preview_run=bad))

    def test_export_into_an_existing_pack_is_idempotent_and_keeps_the_files_table(self):
        pack = os.path.join(self.tmp, "packs", "into")
        shutil.copytree(self.pack, pack)
        shutil.rmtree(os.path.join(pack, "vae_preview"))
        folder, total = preview_pack.export_into(pack, self.student.config,
                                                 self.student.state_dict(), self.report,
                                                 export_core.PACK_BUDGET)
        first = self.card(pack)
        self.assertFilesTableIsTrue(pack)
        self.assertEqual(total, export_core.check_budget(pack, export_core.PACK_BUDGET))
        preview_pack.export_into(pack, self.student.config, self.student.state_dict(),
                                 self.report, export_core.PACK_BUDGET)
        self.assertEqual(self.card(pack), first)
        before = sorted(os.listdir(pack))
        with self.assertRaisesRegex(preview_pack.PreviewError, "over the budget"):
            preview_pack.export_into(pack, self.student.config, self.student.state_dict(),
                                     self.report, total - 1)
        self.assertEqual(sorted(os.listdir(pack)), before)
        self.assertEqual(self.card(pack), first)
        self.assertEqual([n for n in os.listdir(os.path.dirname(pack)) if n.startswith(".")], [])

    def test_goldens_include_the_preview_decoder(self):
        path = os.path.join(self.tmp, "gold.safetensors")
        gold = export_goldens.write(self.pack, fx.read_captions(), path)
        self.assertEqual(list(gold["vae_preview.decode.z"].shape), [1, 4, 4, 4])
        self.assertEqual(list(gold["vae_preview.decode.out"].shape), [1, 3, 16, 16])
        with torch.no_grad():
            fresh = preview_pack.load_folder(os.path.join(self.pack, "vae_preview")).decode(
                gold["vae_preview.decode.z"])
        self.assertTrue(torch.allclose(fresh, gold["vae_preview.decode.out"], atol=1e-6))
        self.assertGreater(float(gold["vae_preview.decode.out"].std()), 0.0)
        plain = os.path.join(self.tmp, "packs", "plain-gold")
        export(self.cfg, self.run_dir, plain, fx.read_captions(), fx.attribution(), None,
               fx.FAST)
        gold2 = export_goldens.write(plain, fx.read_captions(),
                                     os.path.join(self.tmp, "gold2.safetensors"))
        self.assertNotIn("vae_preview.decode.z", gold2)
        for key in gold2:  # the other keys do not move when a preview decoder is added
            self.assertTrue(torch.equal(gold2[key], gold[key]), key)

    def test_train_on_a_pack_then_export(self):
        pack = os.path.join(self.tmp, "packs", "trained")
        shutil.copytree(self.pack, pack)
        shutil.rmtree(os.path.join(pack, "vae_preview"))
        out = os.path.join(self.tmp, "pv-pack")
        argv = ["--pack", pack, "--data", self.data, "--out", out, "--images", "5",
                "--captions", "4", "--steps", "2", "--max-steps", "3", "--batch-size", "4",
                "--holdout", "0.25", "--student", json.dumps(SMALL), "--device", "cpu",
                "--export", "--quiet"]
        code, _, err = quiet(tpd.main, argv)
        self.assertEqual((code, err), (0, ""))
        with open(os.path.join(out, "preview.json")) as f:
            report = json.load(f)
        self.assertEqual(report["train_steps"], 3)
        self.assertEqual(sorted(report["sets"]), ["dataset", "x0", "xt"])
        self.assertEqual(report["data"]["trajectories"], 4)
        self.assertEqual(report["cheap_factors"], "the pack's `preview/latent_rgb.json`")
        self.assertEqual(report["teacher"]["vae_fingerprint"], self.report["teacher"]["vae_fingerprint"])
        with open(os.path.join(out, "data.safetensors"), "rb") as f:
            data, meta = safetensors_io.deserialize(f.read())
        self.assertEqual(data["x0.latents"].shape[0], 4 * 2)
        self.assertEqual(json.loads(meta["captions"]).__len__(), 4)
        self.assertTrue(os.path.isdir(os.path.join(pack, "vae_preview")))
        self.assertFilesTableIsTrue(pack)
        # a rerun resumes: data reused, the student continues from step 3
        code, _, _ = quiet(tpd.main, [a if a != "3" else "5" for a in argv])
        self.assertEqual(code, 0)
        with open(os.path.join(out, "student.json")) as f:
            self.assertEqual(json.load(f)["step"], 5)
        self.assertEqual(self.card(pack).count("## Preview decoder"), 1)

    def test_train_on_a_run_then_export_pack_picks_it_up(self):
        out = os.path.join(self.tmp, "pv-run")
        code, _, err = quiet(tpd.main, [
            "--run", self.run_dir, "--data", self.data, "--out", out, "--images", "6",
            "--captions", "3", "--steps", "2", "--max-steps", "2", "--batch-size", "4",
            "--student", json.dumps(SMALL), "--device", "cpu", "--quiet"])
        self.assertEqual((code, err), (0, ""))
        with open(os.path.join(out, "preview.json")) as f:
            report = json.load(f)
        self.assertIn("least-squares fit", report["cheap_factors"])
        self.assertEqual(report["teacher"]["source"], "run")
        self.assertEqual(report["teacher"]["vae_scaling_factor"], 0.8125)
        self.assertEqual(report["teacher"]["vae_fingerprint"],
                         self.report["teacher"]["vae_fingerprint"])
        export_pack = _load("export_pack_for_preview_test",
                            os.path.join(fx.TRAINING, "export_pack.py"))
        pack = os.path.join(self.tmp, "packs", "from-run")
        code, text, err = quiet(export_pack.main, [
            "--config", self.config_path, "--run", self.run_dir, "--out", pack,
            "--samples", "1", "--sample-steps", "2", "--preview-run", out])
        self.assertEqual((code, err), (0, ""))
        self.assertIn("preview decoder in vae_preview/", text)
        back = preview_pack.load_folder(os.path.join(pack, "vae_preview"))
        self.assertEqual(back.config["decoder_block_out_channels"], [8, 8, 8])
        self.assertIn("## Preview decoder", self.card(pack))


if __name__ == "__main__":
    unittest.main()
