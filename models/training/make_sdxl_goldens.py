"""Write the tiny SDXL-shaped test pack and its PyTorch goldens (contract: docs/goldens.md).

Usage: /usr/bin/python3 models/training/make_sdxl_goldens.py [--out REPO_ROOT]

Writes src/test/resources/packs/tiny-sdxl/ (diffusers layout with text_encoder_2/ and
tokenizer_2/, F16 weights) and src/test/resources/golden/tiny-sdxl.safetensors. The UNet has
addition_embed_type "text_time", attention only in its second level, two transformer layers
there, linear projections; the second text encoder is a CLIPTextModelWithProjection. Every draw
comes from fixed seeds; goldens are float32 from the fp16-rounded weights as stored, with the
manual attention path, on one thread.
"""

import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_goldens import WORDS  # noqa: E402
from stepwise_train import attention, config, pack, pipeline, safetensors_io  # noqa: E402
from stepwise_train.init_utils import perturb_  # noqa: E402
from stepwise_train.tokenizer import WordLevelTokenizer  # noqa: E402
from stepwise_train.tokenizer import save as save_tokenizer  # noqa: E402

NAME = "tiny-sdxl"
SEED = 9100
LENGTH = 16  # both tokenizers' window
TEXT_1 = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
          "num_attention_heads": 2, "max_position_embeddings": LENGTH,
          "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": 16}
TEXT_2 = {"hidden_size": 24, "intermediate_size": 48, "num_hidden_layers": 2,
          "num_attention_heads": 4, "max_position_embeddings": LENGTH, "hidden_act": "gelu",
          "layer_norm_eps": 1e-05, "projection_dim": 12}
TIME_DIM = 8  # addition_time_embed_dim (SDXL: 256)
UNET = {
    "sample_size": 8, "block_out_channels": [8, 12], "layers_per_block": 1,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
    "attention_head_dim": [1, 2], "transformer_layers_per_block": [1, 2],
    "use_linear_projection": True, "cross_attention_dim": 16 + 24, "norm_num_groups": 4,
    "addition_embed_type": "text_time", "addition_time_embed_dim": TIME_DIM,
    "projection_class_embeddings_input_dim": 12 + 6 * TIME_DIM,
}
VAE = {"block_out_channels": [4, 8, 8], "layers_per_block": 1, "norm_num_groups": 4,
       "scaling_factor": 0.13025, "sample_size": 32, "force_upcast": True,
       "down_block_types": ["DownEncoderBlock2D"] * 3, "up_block_types": ["UpDecoderBlock2D"] * 3}
SCHEDULER = {
    "_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
    "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
    "prediction_type": "epsilon", "set_alpha_to_one": False, "steps_offset": 1,
    "timestep_spacing": "leading", "trained_betas": None,
}
RUN = {"prompt": "a red heart emoji", "negative": "", "steps": 4, "guidance_scale": 5.0}
# Chosen micro-conditioning for the "sizes." run: (height, width), (top, left), (height, width).
SIZES = {"original": (1024, 768), "crop": (16, 8), "target": (896, 640)}


def build(tok):
    gen = torch.Generator().manual_seed(SEED + 1)
    torch.manual_seed(SEED)
    unet = perturb_(config.build_unet(UNET), gen).eval()
    vae = perturb_(config.build_vae(VAE), gen).eval()
    ids = dict(vocab_size=len(tok), bos_token_id=tok.bos_id, eos_token_id=tok.eos_id,
               pad_token_id=tok.eos_id)
    text = perturb_(config.build_clip_text(dict(TEXT_1, **ids)), gen).eval()
    text2 = perturb_(config.build_clip_text_with_projection(dict(TEXT_2, **ids)), gen).eval()
    return unet, vae, text, text2


def write_pack(folder, unet, vae, text, text2, tok):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    pack.save_pack(folder, unet, vae, text, tok, SCHEDULER, torch.float16)
    os.makedirs(os.path.join(folder, "text_encoder_2"))
    os.makedirs(os.path.join(folder, "tokenizer_2"))
    with open(os.path.join(folder, "text_encoder_2", "config.json"), "w") as f:
        json.dump(config.clip_text_json(text2.config, "float16", "CLIPTextModelWithProjection"),
                  f, indent=2)
        f.write("\n")
    safetensors_io.save_file({k: v.detach().half().contiguous()
                              for k, v in text2.state_dict().items()},
                             os.path.join(folder, "text_encoder_2", pack.TEXT_WEIGHTS))
    save_tokenizer(tok, os.path.join(folder, "tokenizer_2"))
    index = {
        "_class_name": "StableDiffusionXLPipeline", "force_zeros_for_empty_prompt": True,
        "scheduler": ["diffusers", SCHEDULER["_class_name"]],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "tokenizer_2": ["transformers", "PreTrainedTokenizerFast"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    }
    with open(os.path.join(folder, "model_index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


def load_text2(folder):
    with open(os.path.join(folder, "text_encoder_2", "config.json")) as f:
        cfg = json.load(f)
    text2 = config.build_clip_text_with_projection(cfg)
    state = safetensors_io.load_file(os.path.join(folder, "text_encoder_2", pack.TEXT_WEIGHTS))
    text2.load_state_dict({k: v.float() for k, v in state.items()})
    return text2.eval()


@torch.no_grad()
def goldens(models, text2):
    unet, vae, text, tok = (models["unet"], models["vae"], models["text_encoder"],
                            models["tokenizer"])
    g = torch.Generator().manual_seed(SEED + 2)
    out = {}
    sample = torch.randn((2, 4, 8, 8), generator=g)  # [2, 4, h, w]
    timestep = torch.tensor([999.0, 37.5])  # [2]
    ctx = torch.randn((2, LENGTH, UNET["cross_attention_dim"]), generator=g)  # [2, L, D]
    text_embeds = torch.randn((2, TEXT_2["projection_dim"]), generator=g)  # [2, P]
    time_ids = torch.tensor([[32.0, 32, 0, 0, 32, 32], [1024, 768, 16, 8, 896, 640]])  # [2, 6]
    added = {"text_embeds": text_embeds, "time_ids": time_ids}
    unet_out, temb = unet(sample, timestep, ctx, return_temb=True, added_cond=added)
    out.update({"unet.sample": sample, "unet.timestep": timestep,
                "unet.encoder_hidden_states": ctx, "unet.text_embeds": text_embeds,
                "unet.time_ids": time_ids, "unet.temb": temb,
                "unet.aug_emb": unet.aug_embed(text_embeds, time_ids), "unet.out": unet_out})
    for i, (enc, prompt) in enumerate(((text, RUN["prompt"]), (text2, "a blue cat"))):
        ids = torch.tensor([tok.encode(prompt)], dtype=torch.int64)  # [1, L]
        _, pooled, hidden = enc(ids)
        key = "text_2." if i else "text."
        out[key + "input_ids"] = ids.float()
        out[key + "penultimate"] = hidden[-2]  # [1, L, Di]
        out[key + "pooled"] = pooled  # [1, Di] or [1, P]
    time_ids = pipeline.sdxl_time_ids((32, 32), (0, 0), (32, 32))  # [1, 6]
    noise = torch.randn((1, 4, 8, 8), generator=g)  # [1, 4, 8, 8]
    run = pipeline.sdxl_ddim_txt2img(unet, vae, [text, text2], [tok, tok], models["scheduler"],
                                     RUN["prompt"], RUN["negative"], noise, RUN["steps"],
                                     RUN["guidance_scale"], time_ids)
    out["ddim.noise"] = noise
    out["ddim.time_ids"] = time_ids
    for key in ("timesteps", "latents", "image", "context", "text_embeds"):
        out["ddim." + key] = run[key].float()
    # The same run with chosen micro-conditioning (diffusers' original_size, crops_coords_top_left,
    # target_size; each (height, width) or (top, left)).
    sized = pipeline.sdxl_time_ids(SIZES["original"], SIZES["crop"], SIZES["target"])  # [1, 6]
    run = pipeline.sdxl_ddim_txt2img(unet, vae, [text, text2], [tok, tok], models["scheduler"],
                                     RUN["prompt"], RUN["negative"], noise, RUN["steps"],
                                     RUN["guidance_scale"], sized)
    out["sizes.time_ids"] = sized
    for key in ("latents", "image"):
        out["sizes." + key] = run[key].float()
    return {k: v.detach().float().contiguous() for k, v in out.items()}


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root to write src/test/resources/ under")
    args = parser.parse_args(argv)
    attention.set_backend("manual")
    torch.set_num_threads(1)
    tok = WordLevelTokenizer(WORDS, LENGTH)
    unet, vae, text, text2 = build(tok)
    folder = os.path.join(args.out, "src", "test", "resources", "packs", NAME)
    write_pack(folder, unet, vae, text, text2, tok)
    models = pack.load_pack(folder)
    gold = goldens(models, load_text2(folder))
    meta = {"pack": NAME, "ddim.prompt": RUN["prompt"], "ddim.negative": RUN["negative"],
            "ddim.steps": str(RUN["steps"]), "ddim.guidance_scale": str(RUN["guidance_scale"]),
            "ddim.eta": "0.0", "ddim.force_zeros_for_empty_prompt": "true",
            "text_2.prompt": "a blue cat",
            "sizes.run": "the ddim run with time_ids sizes.time_ids instead of ddim.time_ids",
            "ddim.scheduler": "DDIMScheduler from the pack's scheduler_config.json",
            "torch": torch.__version__}
    tensors, meta = safetensors_io.images_as_f16(gold, meta)
    path = os.path.join(args.out, "src", "test", "resources", "golden", NAME + ".safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{NAME}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in gold.items()))


if __name__ == "__main__":
    main()
