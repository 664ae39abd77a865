"""run_files.py: a run folder survives the trip through the GPU machine's return files."""

import contextlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import unittest

import torch

import run_files
from stepwise_train import safetensors_io
from stepwise_train.train_common import TrainError


def make_run(folder, unet_numel=300_000):
    """A run folder with the files train_diffusion.py writes (random small weights)."""
    os.makedirs(folder)
    g = torch.Generator().manual_seed(0)
    ema = {"unet.conv_in.weight": torch.randn(unet_numel, generator=g),  # [n]
           "unet.conv_out.weight": torch.randn(unet_numel // 2, generator=g),  # [n / 2]
           "text_encoder.text_model.embeddings.token_embedding.weight":
               torch.randn(40, 8, generator=g)}  # [40, 8]
    safetensors_io.save_file(ema, os.path.join(folder, run_files.EMA))
    safetensors_io.save_file({"encoder.conv_in.weight": torch.randn(8, 3, 3, 3, generator=g)},
                             os.path.join(folder, run_files.AE))  # [8, 3, 3, 3]
    for name, obj in (("config.json", {"name": "t"}), ("vocab.json", {"token_to_id": {}}),
                      ("autoencoder.json", {"steps": 5, "scaling_factor": 0.5}),
                      ("diffusion.json", {"steps": 12, "images_seen": 96})):
        with open(os.path.join(folder, name), "w") as f:
            json.dump(obj, f)
    with open(os.path.join(folder, "log.jsonl"), "w") as f:
        f.write('{"step": 1}\n')
    return ema


class RunFilesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="run-files-")
        self.run = os.path.join(self.tmp, "run")
        self.ema = make_run(self.run)
        self.out = os.path.join(self.tmp, "out")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_round_trip_through_shards_restores_every_tensor_and_json(self):
        old = run_files.SHARD_BYTES
        run_files.SHARD_BYTES = 1_000_000  # 1.2 MB of unet tensors: forces 2 shards
        try:
            names = run_files.pack(self.run, self.out, [os.path.join(self.run, "log.jsonl")])
        finally:
            run_files.SHARD_BYTES = old
        shards = [n for n in names if n.startswith("ema-")]
        self.assertGreaterEqual(len(shards), 2)
        self.assertEqual(sorted(os.listdir(self.out)), sorted(names))  # no .part left
        back = os.path.join(self.tmp, "back")
        run_files.unpack(self.out, back)
        restored = safetensors_io.load_file(os.path.join(back, run_files.EMA))
        self.assertEqual(sorted(restored), sorted(self.ema))
        for key, tensor in self.ema.items():
            self.assertTrue(torch.equal(restored[key], tensor), key)
        for name in ("diffusion.json", "autoencoder.json", "vocab.json", "log.jsonl"):
            with open(os.path.join(self.run, name)) as a, open(os.path.join(back, name)) as b:
                self.assertEqual(a.read(), b.read(), name)
        self.assertTrue(os.path.exists(os.path.join(back, "logs", "run-log.jsonl")))

    def test_a_second_pack_with_fewer_shards_removes_the_stale_ones(self):
        old = run_files.SHARD_BYTES
        run_files.SHARD_BYTES = 1_000_000
        try:
            run_files.pack(self.run, self.out)
        finally:
            run_files.SHARD_BYTES = old
        names = run_files.pack(self.run, self.out)
        self.assertEqual(sorted(os.listdir(self.out)), sorted(names))
        self.assertIn("ema.safetensors.index.json", names)

    def test_return_files_over_the_limits_are_refused_before_writing(self):
        old = run_files.MAX_FILE_BYTES
        run_files.MAX_FILE_BYTES = 100_000
        try:
            with self.assertRaisesRegex(TrainError, "break the limits"):
                run_files.pack(self.run, self.out)
        finally:
            run_files.MAX_FILE_BYTES = old
        self.assertFalse(os.path.exists(self.out) and os.listdir(self.out))

    def test_a_run_folder_without_weights_is_refused(self):
        os.remove(os.path.join(self.run, run_files.EMA))
        self.assertEqual(run_files.main(["pack", "--run", self.run, "--out", self.out]), 2)

    def test_unpack_refuses_a_tar_entry_outside_the_run_folder(self):
        run_files.pack(self.run, self.out)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            data = b"x"
            info = tarfile.TarInfo("../escape.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        with open(os.path.join(self.out, run_files.TAR), "wb") as f:
            f.write(buffer.getvalue())
        with self.assertRaisesRegex(TrainError, "unexpected entry"):
            run_files.unpack(self.out, os.path.join(self.tmp, "back"))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "escape.json")))

    def make_preview_run(self):
        pv = os.path.join(self.tmp, "pv")
        os.makedirs(pv)
        state = {"decoder.layers.0.weight": torch.randn(24, 4, 3, 3)}  # [24, 4, 3, 3]
        safetensors_io.save_file(state, os.path.join(pv, "student.safetensors"))
        for name, obj in (("student.json", {"step": 9, "config": {"latent_channels": 4}}),
                          ("preview.json", {"train_steps": 9, "sets": {}})):
            with open(os.path.join(pv, name), "w") as f:
                json.dump(obj, f)
        with open(os.path.join(pv, "log.jsonl"), "w") as f:
            f.write('{"step": 9}\n')
        with open(os.path.join(pv, "data.safetensors"), "wb") as f:
            f.write(b"not returned")  # the data stage's file stays on the GPU machine
        return pv, state

    def test_the_preview_decoder_run_comes_back_in_run_preview(self):
        pv, state = self.make_preview_run()
        names = run_files.pack(self.run, self.out, preview=pv)
        self.assertIn(run_files.PREVIEW_TAR, names)
        back = os.path.join(self.tmp, "back")
        run_files.unpack(self.out, back)
        restored = os.path.join(back, run_files.PREVIEW_DIR)
        self.assertEqual(sorted(os.listdir(restored)),
                         ["log.jsonl", "preview.json", "student.json", "student.safetensors"])
        got = safetensors_io.load_file(os.path.join(restored, "student.safetensors"))
        self.assertTrue(torch.equal(got["decoder.layers.0.weight"],
                                    state["decoder.layers.0.weight"]))
        elsewhere = os.path.join(self.tmp, "pv-back")
        with contextlib.redirect_stdout(io.StringIO()):
            code = run_files.main(["unpack", "--from", self.out, "--run",
                                   os.path.join(self.tmp, "back2"), "--preview-run", elsewhere])
        self.assertEqual(code, 0)
        self.assertTrue(os.path.isfile(os.path.join(elsewhere, "preview.json")))

    def test_pack_preview_adds_one_file_and_counts_the_ones_already_there(self):
        run_files.pack(self.run, self.out)
        with open(os.path.join(self.out, "session.log"), "w") as f:
            f.write("log\n")
        before = sorted(os.listdir(self.out))
        self.assertEqual(len(before), 5)  # 1 shard + index + autoencoder + run.tar.gz + log
        pv, _ = self.make_preview_run()
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(run_files.main(["pack-preview", "--from", pv, "--out", self.out]), 0)
        self.assertEqual(sorted(os.listdir(self.out)), sorted(before + [run_files.PREVIEW_TAR]))
        # a later diffusion checkpoint rewrites its own files and keeps preview.tar.gz
        names = run_files.pack(self.run, self.out)
        self.assertNotIn(run_files.PREVIEW_TAR, names)
        self.assertIn(run_files.PREVIEW_TAR, os.listdir(self.out))
        for i in range(2):  # 8 files now: a ninth is refused
            with open(os.path.join(self.out, f"other-{i}.txt"), "w") as f:
                f.write("x")
        self.assertEqual(len(os.listdir(self.out)), 8)
        os.remove(os.path.join(self.out, run_files.PREVIEW_TAR))
        with open(os.path.join(self.out, "other-2.txt"), "w") as f:
            f.write("x")
        with self.assertRaisesRegex(TrainError, "9 files"):
            run_files.pack_preview(pv, self.out)
        self.assertNotIn(run_files.PREVIEW_TAR, os.listdir(self.out))

    def test_the_session_log_counts_against_the_file_limit(self):
        pv, _ = self.make_preview_run()
        old = run_files.MAX_FILES
        # 1 shard + index + autoencoder + run.tar.gz + preview.tar.gz = 5, + session.log = 6
        run_files.MAX_FILES = 5
        try:
            with self.assertRaisesRegex(TrainError, "6 files"):
                run_files.pack(self.run, self.out, preview=pv)
            self.assertFalse(os.path.exists(self.out) and os.listdir(self.out))
            run_files.MAX_FILES = 6
            self.assertEqual(len(run_files.pack(self.run, self.out, preview=pv)), 5)
        finally:
            run_files.MAX_FILES = old
        self.assertEqual(run_files.SESSION_FILES, ("session.log",))
        self.assertEqual(run_files.MAX_FILES, 8)

    def test_a_preview_run_without_a_student_is_refused(self):
        pv, _ = self.make_preview_run()
        os.remove(os.path.join(pv, "student.safetensors"))
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(run_files.main(["pack-preview", "--from", pv, "--out", self.out]), 2)
        self.assertFalse(os.path.exists(os.path.join(self.out, run_files.PREVIEW_TAR)))

    def test_unpack_refuses_an_unexpected_preview_entry(self):
        run_files.pack(self.run, self.out)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            info = tarfile.TarInfo("../student.json")
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        with open(os.path.join(self.out, run_files.PREVIEW_TAR), "wb") as f:
            f.write(buffer.getvalue())
        with self.assertRaisesRegex(TrainError, "unexpected entry"):
            run_files.unpack(self.out, os.path.join(self.tmp, "back"))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "back", "student.json")))


if __name__ == "__main__":
    unittest.main()
