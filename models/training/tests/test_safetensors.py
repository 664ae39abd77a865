"""safetensors reader/writer: round trips, header layout, validation, sharding."""

import json
import os
import struct
import tempfile
import unittest

import torch

from stepwise_train import safetensors_io as st


def _header(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    return n, json.loads(blob[8:8 + n])


def _file(header, data):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


class RoundTripTest(unittest.TestCase):

    def test_dtypes_round_trip_bit_exact(self):
        g = torch.Generator().manual_seed(0)
        tensors = {
            "a.f32": torch.randn((3, 5), generator=g),
            "b.f16": torch.randn((7,), generator=g).half(),
            "c.bf16": torch.randn((2, 2, 3), generator=g).bfloat16(),
            "d.scalar": torch.tensor(2.5),
            "e.empty": torch.zeros((0, 4)),
            "f.i64": torch.tensor([1, -2, 3], dtype=torch.int64),
        }
        out, meta = st.deserialize(st.serialize(tensors, {"format": "pt"}))
        self.assertEqual(meta, {"format": "pt"})
        self.assertEqual(set(out), set(tensors))
        for k, v in tensors.items():
            self.assertEqual(out[k].dtype, v.dtype, k)
            self.assertEqual(list(out[k].shape), list(v.shape), k)
            self.assertTrue(torch.equal(out[k].float(), v.float()), k)

    def test_header_padded_to_8_and_offsets_tile(self):
        blob = st.serialize({"x": torch.ones(3), "yy": torch.zeros(2, dtype=torch.float16)})
        n, header = _header(blob)
        self.assertEqual(n % 8, 0)
        self.assertEqual(blob[8:9], b"{")
        self.assertEqual(header["x"], {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]})
        self.assertEqual(header["yy"]["data_offsets"], [12, 16])
        self.assertEqual(len(blob), 8 + n + 16)

    def test_bf16_bits_are_upper_half_of_f32(self):
        blob = st.serialize({"x": torch.tensor([1.0, -2.0]).bfloat16()})
        n, _ = _header(blob)
        self.assertEqual(blob[8 + n:], bytes.fromhex("803f00c0"))

    def test_file_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.safetensors")
            st.save_file({"w": torch.arange(6.0).reshape(2, 3)}, path)
            self.assertTrue(torch.equal(st.load_file(path)["w"], torch.arange(6.0).reshape(2, 3)))


class ValidationTest(unittest.TestCase):

    def assertRejects(self, blob, fragment):
        with self.assertRaises(st.SafetensorsError) as ctx:
            st.deserialize(blob)
        self.assertIn(fragment, str(ctx.exception))

    def test_gap_between_tensors(self):
        h = {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
        self.assertRejects(_file(h, bytes(12)), "gap or overlap")

    def test_overlap(self):
        h = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
        self.assertRejects(_file(h, bytes(8)), "gap or overlap")

    def test_size_mismatch(self):
        h = {"a": {"dtype": "F16", "shape": [3], "data_offsets": [0, 4]}}
        self.assertRejects(_file(h, bytes(4)), "needs 6")

    def test_trailing_bytes(self):
        h = {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
        self.assertRejects(_file(h, bytes(5)), "file has")

    def test_truncated_data(self):
        h = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
        self.assertRejects(_file(h, bytes(4)), "file has")

    def test_unknown_dtype(self):
        h = {"a": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}}
        self.assertRejects(_file(h, bytes(1)), "unknown dtype")

    def test_negative_shape(self):
        h = {"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}
        self.assertRejects(_file(h, bytes(4)), "invalid shape")

    def test_header_longer_than_file(self):
        self.assertRejects(struct.pack("<Q", 1000) + b"{}", "does not fit")

    def test_header_not_json(self):
        self.assertRejects(struct.pack("<Q", 4) + b"{{{{", "not valid UTF-8 JSON")

    def test_too_short(self):
        self.assertRejects(b"\x01\x02", "too short")


class ShardingTest(unittest.TestCase):

    def test_greedy_split_and_index(self):
        tensors = {f"t{i}": torch.full((10,), float(i)) for i in range(5)}  # 40 bytes each
        parts = st.shard(tensors, 100)
        self.assertEqual([list(p) for p in parts], [["t0", "t1"], ["t2", "t3"], ["t4"]])
        with tempfile.TemporaryDirectory() as d:
            files = st.save_sharded(tensors, d, "diffusion_pytorch_model.safetensors", 100)
            self.assertEqual(files[0], "diffusion_pytorch_model-00001-of-00003.safetensors")
            with open(os.path.join(d, "diffusion_pytorch_model.safetensors.index.json")) as f:
                index = json.load(f)
            self.assertEqual(index["metadata"]["total_size"], 200)
            self.assertEqual(index["weight_map"]["t4"],
                             "diffusion_pytorch_model-00003-of-00003.safetensors")
            for p in files[:3]:
                self.assertLessEqual(
                    sum(v.numel() * 4 for v in st.load_file(os.path.join(d, p)).values()), 100)
            back = st.load_sharded(d, "diffusion_pytorch_model.safetensors")
            self.assertEqual(set(back), set(tensors))
            self.assertTrue(torch.equal(back["t3"], tensors["t3"]))

    def test_oversized_tensor_gets_own_shard(self):
        parts = st.shard({"a": torch.zeros(2), "big": torch.zeros(100), "c": torch.zeros(2)}, 16)
        self.assertEqual([list(p) for p in parts], [["a"], ["big"], ["c"]])

    def test_index_naming_missing_tensor_is_rejected(self):
        with tempfile.TemporaryDirectory() as d:
            st.save_sharded({"a": torch.zeros(4), "b": torch.zeros(4)}, d, "m.safetensors", 16)
            path = os.path.join(d, "m.safetensors.index.json")
            with open(path) as f:
                index = json.load(f)
            index["weight_map"]["ghost"] = "m-00001-of-00002.safetensors"
            with open(path, "w") as f:
                json.dump(index, f)
            with self.assertRaises(st.SafetensorsError):
                st.load_sharded(d, "m.safetensors")


class ClipKeysTest(unittest.TestCase):

    def test_prefix_added_only_when_missing(self):
        from stepwise_train.pack import clip_keys
        t = torch.zeros(1)
        self.assertEqual(list(clip_keys({"embeddings.x": t})), ["text_model.embeddings.x"])
        self.assertEqual(list(clip_keys({"text_model.embeddings.x": t})),
                         ["text_model.embeddings.x"])


if __name__ == "__main__":
    unittest.main()
