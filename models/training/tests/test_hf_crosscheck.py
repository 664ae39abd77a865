"""Cross-checks against the real HF libraries (transformers, tokenizers, safetensors).

Skipped where they are not installed (Debian's /usr/bin/python3 has none of them); run the
suite with a Python that has them to compare this package against the upstream code itself.
"""

import glob
import importlib.util
import json
import os
import tempfile
import unittest

import torch

from stepwise_train import config, safetensors_io as st
from stepwise_train.init_utils import empty_init
from stepwise_train.tokenizer import WordLevelTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RES = os.path.join(ROOT, "src", "test", "resources")
HAVE = all(importlib.util.find_spec(m) is not None
           for m in ("transformers", "tokenizers", "safetensors"))


def rel_err(a, b):
    return float((a - b).abs().max() / b.abs().max())


@unittest.skipUnless(HAVE, "transformers, tokenizers and safetensors are not installed")
class HfCrossCheckTest(unittest.TestCase):

    def test_safetensors_library_agrees_with_reader_and_writer(self):
        import safetensors.torch as sst
        files = glob.glob(os.path.join(RES, "**", "*.safetensors"), recursive=True)
        self.assertGreaterEqual(len(files), 9)
        for f in files:
            theirs, ours = sst.load_file(f), st.load_file(f)
            self.assertEqual(set(theirs), set(ours), f)
            for k in ours:
                self.assertTrue(torch.equal(theirs[k], ours[k]), f"{f} {k}")
        tensors = {"a": torch.randn(3, 2).bfloat16(), "b": torch.randn(5).half()}
        self.assertEqual(sst.save(tensors, {"format": "pt"}), st.serialize(tensors, {"format": "pt"}))
        with tempfile.TemporaryDirectory() as d:
            sst.save_file(tensors, os.path.join(d, "x.safetensors"))
            back = st.load_file(os.path.join(d, "x.safetensors"))
            self.assertTrue(all(torch.equal(back[k], tensors[k]) for k in tensors))

    def test_tokenizers_library_encodes_identically(self):
        from tokenizers import Tokenizer
        for name in ("tiny-sd", "tiny-sd2"):
            path = os.path.join(RES, "packs", name, "tokenizer", "tokenizer.json")
            theirs = Tokenizer.from_file(path)
            with open(path) as f:
                ours = WordLevelTokenizer.from_json(json.load(f))
            for text in ("a red heart emoji", "", "A  RED, cat! " + "heart " * 100,
                         "Ünïcode café twitter-style 3D!!", "e\u0301moji"):
                self.assertEqual(theirs.encode(text).ids, ours.encode(text), text)

    def test_transformers_clip_matches_golden(self):
        from transformers import CLIPTextModel
        import safetensors.torch as sst
        for name in ("tiny-sd", "tiny-sd2"):
            g = sst.load_file(os.path.join(RES, "golden", name + ".safetensors"))
            model = CLIPTextModel.from_pretrained(
                os.path.join(RES, "packs", name, "text_encoder"), dtype=torch.float32,
                attn_implementation="eager").eval()
            with torch.no_grad():
                out = model(g["text.input_ids"].long()).last_hidden_state  # [2, L, D]
            self.assertLess(rel_err(out, g["text.last_hidden_state"]), 1e-5, name)

    def test_transformers_clip_vit_l_names_and_count(self):
        from transformers import CLIPTextConfig, CLIPTextModel
        cfg = {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
               "num_hidden_layers": 12, "projection_dim": 768}
        with torch.device("meta"):
            theirs = CLIPTextModel(CLIPTextConfig(**cfg))
        with empty_init():
            ours = config.build_clip_text(cfg)
        # transformers 4.x and every SD checkpoint use "text_model."; 5.x drops the prefix
        # from its own state_dict (and files it saves) but still loads prefixed files.
        theirs_keys = {(k if k.startswith("text_model.") else "text_model." + k): list(v.shape)
                       for k, v in theirs.state_dict().items()}
        self.assertEqual(theirs_keys, {k: list(v.shape) for k, v in ours.state_dict().items()})


if __name__ == "__main__":
    unittest.main()
