"""The committed tiny packs and goldens: contract shapes, storage, and reproducibility."""

import json
import os
import unittest

import torch

from stepwise_train import attention, pack, pipeline, safetensors_io as st

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RES = os.path.join(ROOT, "src", "test", "resources")

# docs/goldens.md table: key -> (tiny-sd shape, tiny-sd2 shape)
CONTRACT = {
    "unet.sample": ([2, 4, 8, 8], [2, 4, 9, 7]),
    "unet.timestep": ([2], [2]),
    "unet.encoder_hidden_states": ([2, 16, 32], [2, 77, 48]),
    "unet.temb": ([2, 128], [2, 128]),
    "unet.out": ([2, 4, 8, 8], [2, 4, 9, 7]),
    "vae.decode.z": ([1, 4, 8, 8], [1, 4, 8, 8]),
    "vae.decode.out": ([1, 3, 32, 32], [1, 3, 64, 64]),
    "vae.encode.x": ([1, 3, 32, 32], [1, 3, 32, 32]),
    "vae.encode.moments": ([1, 8, 8, 8], [1, 8, 4, 4]),
    "text.input_ids": ([2, 16], [2, 77]),
    "text.last_hidden_state": ([2, 16, 32], [2, 77, 48]),
    "ddim.noise": ([1, 4, 8, 8], [1, 4, 8, 8]),
    "ddim.cond_ids": ([1, 16], [1, 77]),
    "ddim.uncond_ids": ([1, 16], [1, 77]),
    "ddim.timesteps": ([4], [4]),
    "ddim.latents": ([1, 4, 8, 8], [1, 4, 8, 8]),
    "ddim.image": ([1, 3, 32, 32], [1, 3, 64, 64]),
}
NAMES = ("tiny-sd", "tiny-sd2")


def rel_err(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def read_json(*parts):
    with open(os.path.join(*parts)) as f:
        return json.load(f)


class GoldenContractTest(unittest.TestCase):

    def test_keys_shapes_and_dtype(self):
        for i, name in enumerate(NAMES):
            with open(os.path.join(RES, "golden", name + ".safetensors"), "rb") as f:
                tensors, meta = st.deserialize(f.read())
            self.assertEqual(set(tensors), set(CONTRACT), name)
            for key, shapes in CONTRACT.items():
                self.assertEqual(list(tensors[key].shape), shapes[i], f"{name} {key}")
                want = torch.float16 if key.endswith(".image") else torch.float32  # images_as_f16
                self.assertEqual(tensors[key].dtype, want, f"{name} {key}")
            self.assertEqual(tensors["unet.timestep"].tolist(), [999.0, 37.5])
            self.assertEqual(meta["ddim.prompt"], "a red heart emoji")

    def test_pack_storage(self):
        sd, sd2 = (os.path.join(RES, "packs", n) for n in NAMES)
        unet1 = st.load_file(os.path.join(sd, "unet", "diffusion_pytorch_model.safetensors"))
        self.assertTrue(all(t.dtype == torch.float16 for t in unet1.values()))
        for part, file in (("vae", "diffusion_pytorch_model"), ("text_encoder", "model")):
            state = st.load_file(os.path.join(sd, part, file + ".safetensors"))
            self.assertTrue(all(t.dtype == torch.float16 for t in state.values()), part)
        index = read_json(sd2, "unet", "diffusion_pytorch_model.safetensors.index.json")
        self.assertEqual(sorted(set(index["weight_map"].values())),
                         ["diffusion_pytorch_model-00001-of-00002.safetensors",
                          "diffusion_pytorch_model-00002-of-00002.safetensors"])
        unet2 = st.load_sharded(os.path.join(sd2, "unet"), "diffusion_pytorch_model.safetensors")
        self.assertEqual(index["metadata"]["total_size"],
                         sum(t.numel() * 2 for t in unet2.values()))
        self.assertTrue(all(t.dtype == torch.float16 for t in unet2.values()))
        self.assertEqual(unet2["down_blocks.0.attentions.0.proj_in.weight"].dim(), 2)
        self.assertEqual(unet1["down_blocks.0.attentions.0.proj_in.weight"].dim(), 4)

    def test_configs_follow_contract(self):
        sd, sd2 = (os.path.join(RES, "packs", n) for n in NAMES)
        u = read_json(sd, "unet", "config.json")
        self.assertEqual(u["_class_name"], "UNet2DConditionModel")
        self.assertEqual((u["block_out_channels"], u["attention_head_dim"],
                          u["cross_attention_dim"], u["norm_num_groups"]), ([32, 64, 64], 4, 32, 8))
        u2 = read_json(sd2, "unet", "config.json")
        self.assertEqual((u2["attention_head_dim"], u2["use_linear_projection"],
                          u2["upcast_attention"]), ([2, 4], True, True))
        self.assertEqual(read_json(sd, "vae", "config.json")["scaling_factor"], 0.5)
        self.assertEqual(read_json(sd2, "vae", "config.json")["block_out_channels"],
                         [16, 16, 32, 32])
        t = read_json(sd, "text_encoder", "config.json")
        tok = read_json(sd, "tokenizer", "tokenizer.json")
        self.assertEqual(t["vocab_size"], len(tok["model"]["vocab"]))
        self.assertEqual(read_json(sd2, "text_encoder", "config.json")["hidden_act"], "gelu")
        self.assertEqual(read_json(sd2, "scheduler", "scheduler_config.json")["prediction_type"],
                         "v_prediction")
        self.assertEqual(read_json(sd, "tokenizer", "tokenizer_config.json")["model_max_length"],
                         16)
        idx = read_json(sd, "model_index.json")
        self.assertEqual(idx["unet"], ["diffusers", "UNet2DConditionModel"])

    def test_weights_are_perturbed(self):
        state = st.load_file(os.path.join(RES, "packs", "tiny-sd", "vae",
                                          "diffusion_pytorch_model.safetensors"))
        for k, v in state.items():
            if k.endswith(".bias"):
                self.assertGreater(float(v.abs().min()), 0.0, k)
            if "norm" in k and k.endswith(".weight"):
                self.assertGreater(float((v - 1).abs().max()), 0.01, k)


class GoldenReproductionTest(unittest.TestCase):
    """Loading each committed pack and rerunning the modules reproduces its goldens."""

    def test_recompute(self):
        backends = ["manual"] + (["sdpa"] if attention.has_sdpa() else [])
        try:
            for backend in backends:
                attention.set_backend(backend)
                for name in NAMES:
                    with self.subTest(pack=name, backend=backend):
                        self._check(name)
        finally:
            attention.set_backend("auto")

    @torch.no_grad()
    def _check(self, name):
        m = pack.load_pack(os.path.join(RES, "packs", name))
        g = st.load_file(os.path.join(RES, "golden", name + ".safetensors"))
        out, temb = m["unet"](g["unet.sample"], g["unet.timestep"],
                              g["unet.encoder_hidden_states"], return_temb=True)
        self.assertLess(rel_err(out, g["unet.out"]), 1e-5)
        self.assertLess(rel_err(temb, g["unet.temb"]), 1e-5)
        self.assertLess(rel_err(m["vae"].decode(g["vae.decode.z"]), g["vae.decode.out"]), 1e-5)
        self.assertLess(rel_err(m["vae"].encode_moments(g["vae.encode.x"]),
                                g["vae.encode.moments"]), 1e-5)
        ids = g["text.input_ids"].long()
        self.assertEqual(ids[0].tolist(), m["tokenizer"].encode("a red heart emoji"))
        self.assertLess(rel_err(m["text_encoder"](ids)[0], g["text.last_hidden_state"]), 1e-5)
        run = pipeline.ddim_txt2img(m["unet"], m["vae"], m["text_encoder"], m["tokenizer"],
                                    m["scheduler"], "a red heart emoji", "", g["ddim.noise"],
                                    4, 3.0)
        self.assertEqual(run["timesteps"].tolist(), g["ddim.timesteps"].long().tolist())
        self.assertLess(rel_err(run["latents"], g["ddim.latents"]), 1e-4)
        # the image is stored as float16: half an ulp is up to 2.4e-4 of 1 (Java checks 2/255)
        self.assertLess(rel_err(run["image"], g["ddim.image"].float()), 5e-4)
        # sensitivity: one perturbed bias must move the UNet output beyond the tolerance
        m["unet"].conv_in.bias.add_(0.05)
        moved = m["unet"](g["unet.sample"], g["unet.timestep"], g["unet.encoder_hidden_states"])
        self.assertGreater(rel_err(moved, g["unet.out"]), 1e-3)


if __name__ == "__main__":
    unittest.main()
