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



HAVE_DIFFUSERS = HAVE and importlib.util.find_spec("diffusers") is not None


@unittest.skipUnless(HAVE_DIFFUSERS, "diffusers (and transformers, safetensors) not installed")
class DiffusersCrossCheckTest(unittest.TestCase):
    """diffusers itself loads the committed packs and reproduces every golden."""

    def test_diffusers_reproduces_goldens(self):
        import safetensors.torch as sst
        from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
        from diffusers.models.attention_processor import AttnProcessor
        from transformers import CLIPTextModel
        for name in ("tiny-sd", "tiny-sd2"):
            folder = os.path.join(RES, "packs", name)
            g = sst.load_file(os.path.join(RES, "golden", name + ".safetensors"))
            unet = UNet2DConditionModel.from_pretrained(folder, subfolder="unet",
                                                        torch_dtype=torch.float32).eval()
            vae = AutoencoderKL.from_pretrained(folder, subfolder="vae",
                                                torch_dtype=torch.float32).eval()
            text = CLIPTextModel.from_pretrained(os.path.join(folder, "text_encoder"),
                                                 dtype=torch.float32).eval()
            unet.set_attn_processor(AttnProcessor())
            vae.set_attn_processor(AttnProcessor())
            sched = DDIMScheduler.from_pretrained(folder, subfolder="scheduler")
            with torch.no_grad():
                out = unet(g["unet.sample"], g["unet.timestep"],
                           g["unet.encoder_hidden_states"]).sample  # [2, 4, h, w]
                temb = unet.time_embedding(unet.time_proj(g["unet.timestep"]))  # [2, 4*C0]
                dec = vae.decode(g["vae.decode.z"]).sample  # [1, 3, H, W]
                mom = vae.quant_conv(vae.encoder(g["vae.encode.x"]))  # [1, 8, h, w]
                ctx = torch.cat([text(g["ddim.uncond_ids"].long()).last_hidden_state,
                                 text(g["ddim.cond_ids"].long()).last_hidden_state])
                sched.set_timesteps(4)
                lat = g["ddim.noise"]  # [1, 4, 8, 8]
                for t in sched.timesteps:
                    eu, ec = unet(torch.cat([lat] * 2), t, ctx).sample.chunk(2)
                    lat = sched.step(eu + 3.0 * (ec - eu), t, lat, eta=0.0).prev_sample
            for got, key in ((out, "unet.out"), (temb, "unet.temb"), (dec, "vae.decode.out"),
                             (mom, "vae.encode.moments"), (lat, "ddim.latents")):
                self.assertLess(rel_err(got, g[key]), 1e-5, f"{name} {key}")
            self.assertEqual(sched.timesteps.tolist(), g["ddim.timesteps"].long().tolist())

    def test_diffusers_names_and_shapes_for_full_configs(self):
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from tests.test_architecture import SD15_UNET, SD2_UNET, SD_VAE
        for cls, ours_builder, cfg in ((UNet2DConditionModel, config.build_unet, SD15_UNET),
                                       (UNet2DConditionModel, config.build_unet, SD2_UNET),
                                       (AutoencoderKL, config.build_vae, SD_VAE)):
            with torch.device("meta"):
                theirs = cls(**cfg)
            with empty_init():
                ours = ours_builder(cfg)
            self.assertEqual({k: list(v.shape) for k, v in theirs.state_dict().items()},
                             {k: list(v.shape) for k, v in ours.state_dict().items()})


if __name__ == "__main__":
    unittest.main()
