"""Regenerate the tiny test packs and their PyTorch goldens (contract: docs/goldens.md).

Usage: /usr/bin/python3 models/training/make_goldens.py [--out REPO_ROOT]

Writes src/test/resources/packs/{tiny-sd,tiny-sd2}/ and src/test/resources/golden/
{tiny-sd,tiny-sd2}.safetensors. Every random draw comes from fixed seeds, so a rerun on the
same torch build reproduces the files byte for byte. Goldens are computed in float32 from the
weights as stored (both packs store fp16, so the fp16-rounded weights), with the manual
attention path.
"""

import argparse
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import attention, config, pack, pipeline, safetensors_io  # noqa: E402
from stepwise_train.init_utils import perturb_  # noqa: E402
from stepwise_train.tokenizer import WordLevelTokenizer  # noqa: E402

WORDS = ("a an the of with and in on red green blue yellow orange purple pink black white "
         "brown gray cat dog fox bear heart face smiling grinning laughing crying winking "
         "happy sad apple sun moon star tree flower fire cloud rain snow rocket car house "
         "pizza cake ghost robot skull rainbow sparkles eyes hand thumbs up emoji style "
         "twitter fluent flat modern cute simple icon 3d").split()

SD_SCHEDULER = {
    "_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
    "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
    "prediction_type": "epsilon", "set_alpha_to_one": False, "skip_prk_steps": True,
    "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": None,
}
SD2_SCHEDULER = {
    "_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
    "beta_start": 0.00085, "clip_sample": False, "num_train_timesteps": 1000,
    "prediction_type": "v_prediction", "set_alpha_to_one": False, "steps_offset": 1,
    "timestep_spacing": "trailing", "trained_betas": None,
}

PACKS = {
    "tiny-sd": {
        "seed": 1234,
        "dtype": torch.float16,
        "shard": False,
        "unet": {
            "sample_size": 8, "in_channels": 4, "out_channels": 4,
            "block_out_channels": [32, 64, 64], "layers_per_block": 1,
            "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
            "mid_block_type": "UNetMidBlock2DCrossAttn", "attention_head_dim": 4,
            "cross_attention_dim": 32, "norm_num_groups": 8, "norm_eps": 1e-05,
            "use_linear_projection": False, "flip_sin_to_cos": True, "freq_shift": 0,
            "act_fn": "silu", "downsample_padding": 1, "center_input_sample": False,
        },
        "vae": {
            "block_out_channels": [16, 32, 32], "layers_per_block": 1, "latent_channels": 4,
            "norm_num_groups": 8, "scaling_factor": 0.5, "sample_size": 32,
            "down_block_types": ["DownEncoderBlock2D"] * 3,
            "up_block_types": ["UpDecoderBlock2D"] * 3,
        },
        "text": {
            "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "max_position_embeddings": 16,
            "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": 32,
        },
        "scheduler": SD_SCHEDULER,
        "sample_hw": (8, 8),
    },
    "tiny-sd2": {
        "seed": 5678,
        "dtype": torch.float16,
        "shard": True,
        "unet": {
            "sample_size": 8, "block_out_channels": [32, 64], "layers_per_block": 2,
            "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
            "attention_head_dim": [2, 4], "use_linear_projection": True,
            "cross_attention_dim": 48, "norm_num_groups": 8, "upcast_attention": True,
        },
        "vae": {
            "block_out_channels": [16, 16, 32, 32], "layers_per_block": 1,
            "norm_num_groups": 8, "scaling_factor": 0.7, "sample_size": 32,
            "down_block_types": ["DownEncoderBlock2D"] * 4,
            "up_block_types": ["UpDecoderBlock2D"] * 4,
        },
        "text": {
            "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 2,
            "num_attention_heads": 4, "max_position_embeddings": 77, "hidden_act": "gelu",
            "layer_norm_eps": 1e-05, "projection_dim": 48,
        },
        "scheduler": SD2_SCHEDULER,
        "sample_hw": (9, 7),
    },
}

DDIM_RUN = {"prompt": "a red heart emoji", "negative": "", "steps": 4, "guidance_scale": 3.0,
            "eta": 0.0}


def build_models(spec, tokenizer):
    """Random, perturbed networks for one pack (seeded per component)."""
    seed = spec["seed"]
    gen = torch.Generator().manual_seed(seed + 1)
    torch.manual_seed(seed)
    unet = perturb_(config.build_unet(spec["unet"]), gen).eval()
    vae = perturb_(config.build_vae(spec["vae"]), gen).eval()
    text_cfg = dict(spec["text"], vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_id,
                    eos_token_id=tokenizer.eos_id, pad_token_id=tokenizer.eos_id)
    text = perturb_(config.build_clip_text(text_cfg), gen).eval()
    return unet, vae, text


@torch.no_grad()
def goldens(models, spec, seed):
    """All golden tensors (float32) for one pack; models are loaded back from the pack."""
    unet, vae, text, tok = (models["unet"], models["vae"], models["text_encoder"],
                            models["tokenizer"])
    g = torch.Generator().manual_seed(seed + 2)
    h, w = spec["sample_hw"]
    length = text.config["max_position_embeddings"]
    ctx_dim = unet.config["cross_attention_dim"]
    out = {}
    sample = torch.randn((2, 4, h, w), generator=g)  # [2, 4, h, w]
    timestep = torch.tensor([999.0, 37.5])  # [2]
    ctx = torch.randn((2, length, ctx_dim), generator=g)  # [2, L, D]
    unet_out, temb = unet(sample, timestep, ctx, return_temb=True)  # [2, 4, h, w], [2, 4*C0]
    out.update({"unet.sample": sample, "unet.timestep": timestep,
                "unet.encoder_hidden_states": ctx, "unet.temb": temb, "unet.out": unet_out})

    z = torch.randn((1, 4, 8, 8), generator=g)  # [1, 4, 8, 8]
    out["vae.decode.z"] = z
    out["vae.decode.out"] = vae.decode(z)  # [1, 3, 8f, 8f]
    x = torch.rand((1, 3, 32, 32), generator=g) * 2 - 1  # [1, 3, 32, 32] in [-1, 1)
    out["vae.encode.x"] = x
    out["vae.encode.moments"] = vae.encode_moments(x)  # [1, 8, 32/f, 32/f]

    ids, last = pipeline.encode_prompts(text, tok, [DDIM_RUN["prompt"], ""])  # [2, L], [2,L,D]
    out["text.input_ids"] = ids.float()
    out["text.last_hidden_state"] = last

    noise = torch.randn((1, 4, 8, 8), generator=g)  # [1, 4, 8, 8]
    run = pipeline.ddim_txt2img(unet, vae, text, tok, models["scheduler"], DDIM_RUN["prompt"],
                                DDIM_RUN["negative"], noise, DDIM_RUN["steps"],
                                DDIM_RUN["guidance_scale"], DDIM_RUN["eta"])
    out["ddim.noise"] = noise
    for key in ("cond_ids", "uncond_ids", "timesteps", "latents", "image"):
        out["ddim." + key] = run[key].float()
    return {k: v.detach().float().contiguous() for k, v in out.items()}


def make_pack(root, name, spec):
    tok = WordLevelTokenizer(WORDS, spec["text"]["max_position_embeddings"])
    unet, vae, text = build_models(spec, tok)
    folder = os.path.join(root, "src", "test", "resources", "packs", name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    shard_bytes = None
    if spec["shard"]:
        nbytes = sum(t.numel() for t in unet.state_dict().values()) * 2  # fp16
        shard_bytes = int(nbytes * 0.6)  # greedy split -> exactly two files
    pack.save_pack(folder, unet, vae, text, tok, spec["scheduler"], spec["dtype"], shard_bytes)
    if spec["shard"]:
        shards = [f for f in os.listdir(os.path.join(folder, "unet"))
                  if f.endswith(".safetensors")]
        assert len(shards) == 2, shards
    models = pack.load_pack(folder)
    gold = goldens(models, spec, spec["seed"])
    gold_dir = os.path.join(root, "src", "test", "resources", "golden")
    os.makedirs(gold_dir, exist_ok=True)
    meta = {"pack": name, "ddim.prompt": DDIM_RUN["prompt"], "ddim.negative": DDIM_RUN["negative"],
            "ddim.steps": str(DDIM_RUN["steps"]),
            "ddim.guidance_scale": str(DDIM_RUN["guidance_scale"]),
            "ddim.eta": str(DDIM_RUN["eta"]),
            "ddim.scheduler": "DDIMScheduler from the pack's scheduler_config.json",
            "torch": torch.__version__}
    tensors, meta = safetensors_io.images_as_f16(gold, meta)
    safetensors_io.save_file(tensors, os.path.join(gold_dir, name + ".safetensors"), meta)
    return gold


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root to write src/test/resources/ under")
    args = parser.parse_args(argv)
    attention.set_backend("manual")
    torch.set_num_threads(1)
    for name, spec in PACKS.items():
        gold = make_pack(args.out, name, spec)
        print(f"{name}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in gold.items()))


if __name__ == "__main__":
    main()
