"""Write the SDXL-refiner golden: src/test/resources/golden/tiny-sdxl-refiner.safetensors.

Usage: /usr/bin/python3 models/training/make_refiner_goldens.py [--out REPO_ROOT]

Contract: docs/goldens.md. The refiner-shaped pack is the committed tiny-sdxl pack without its
first text encoder (text_encoder/, tokenizer/) and with a refiner-shaped UNet: context width the
second encoder's alone (24), projection_class_embeddings_input_dim = pooled width + 5 time ids
(original size, crop top-left, aesthetic score; diffusers StableDiffusionXLImg2ImgPipeline
_get_add_time_ids with requires_aesthetics_score). The UNet holds no weights file: parameter k in
sorted name order is torch.randn([numel], generator=manual_seed(seed + k)) / sqrt(fan_in), which
the Java test rebuilds with SeedNoise from the names and shapes its own UNet asks for. One guided
DDIM img2img run (init image of make_img2img_goldens.py, the seed's noise), float32 on one thread,
manual attention: a rerun on the same torch build gives the same bytes.
"""

import argparse
import copy
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import attention, config, img2img, pack, safetensors_io  # noqa
from stepwise_train.pipeline import sdxl_encode_prompt  # noqa: E402
from stepwise_train.tokenizer import WordLevelTokenizer  # noqa: E402

import make_img2img_goldens  # noqa: E402
import make_sdxl_goldens  # noqa: E402

NAME = "tiny-sdxl-refiner"
SEED = 9300
AESTHETIC, NEGATIVE_AESTHETIC = 6.0, 2.5  # diffusers' aesthetic_score, negative_aesthetic_score
UNET = dict(copy.deepcopy(make_sdxl_goldens.UNET), cross_attention_dim=24,
            projection_class_embeddings_input_dim=12 + 5 * make_sdxl_goldens.TIME_DIM)
MODEL_INDEX = {
    "_class_name": "StableDiffusionXLImg2ImgPipeline", "force_zeros_for_empty_prompt": False,
    "requires_aesthetics_score": True, "scheduler": ["diffusers", "DDIMScheduler"],
    "text_encoder": [None, None], "tokenizer": [None, None],
    "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
    "tokenizer_2": ["transformers", "PreTrainedTokenizerFast"],
    "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"],
}
RUN = {"prompt": "a red heart emoji", "negative": "", "steps": 10, "strength": 0.3,
       "guidance": 5.0, "seed": 21, "size": make_img2img_goldens.SIZE}


@torch.no_grad()
def seeded_sorted(module, seed):
    """Parameter k in sorted name order := torch.randn([numel], manual_seed(seed + k)) * scale,
    scale = 1 / sqrt(fan_in) (fan_in = numel of one output row; of the whole tensor for 1-D)."""
    state = module.state_dict()
    for k, name in enumerate(sorted(state)):
        p = state[name]
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        g = torch.Generator().manual_seed(seed + k)
        p.copy_((torch.randn([p.numel()], generator=g) / math.sqrt(max(1, fan_in))).reshape(p.shape))
    return module


@torch.no_grad()
def goldens(root):
    folder = os.path.join(root, "src", "test", "resources", "packs", "tiny-sdxl")
    models = pack.load_pack(folder)
    text2 = make_sdxl_goldens.load_text2(folder)
    with open(os.path.join(folder, "tokenizer_2", "tokenizer.json")) as f:
        tok2 = WordLevelTokenizer.from_json(json.load(f))
    unet = seeded_sorted(config.build_unet(UNET), SEED).eval()
    vae = models["vae"]
    _, cond, pooled = sdxl_encode_prompt([text2], [tok2], RUN["prompt"])  # [1, L, 24], [1, 12]
    # force_zeros_for_empty_prompt is false for the refiner: the empty negative is encoded.
    _, uncond, uncond_pooled = sdxl_encode_prompt([text2], [tok2], RUN["negative"])
    size = RUN["size"]
    ids = torch.tensor([[size, size, 0, 0, AESTHETIC]])  # [1, 5]: (h, w), (top, left), score
    neg_ids = torch.tensor([[size, size, 0, 0, NEGATIVE_AESTHETIC]])  # [1, 5]
    added = {"text_embeds": torch.cat([uncond_pooled, pooled]),  # [2, P]
             "time_ids": torch.cat([neg_ids, ids])}  # [2, 5]
    context = torch.cat([uncond, cond])  # [2, L, 24]
    image = make_img2img_goldens.signed(make_img2img_goldens.init_image())  # [1, 3, H, W]
    f = 2 ** (len(vae.config["block_out_channels"]) - 1)
    noise = torch.randn([1, 4, size // f, size // f],
                        generator=torch.Generator().manual_seed(RUN["seed"]))
    run = img2img.img2img(unet, vae, context, models["scheduler"].config, "ddim", image, noise,
                          RUN["steps"], RUN["guidance"], RUN["strength"], added=added)
    tensors = {"refiner.context": context, "refiner.text_embeds": added["text_embeds"],
               "refiner.time_ids": added["time_ids"]}
    for key in ("timesteps", "start", "latents"):
        tensors["refiner." + key] = run[key].float()
    tensors = {k: v.float().contiguous() for k, v in tensors.items()}
    tensors["refiner.image"] = run["image"].half().contiguous()  # [1, 3, H, W], F16
    meta = {"torch": torch.__version__, "run": json.dumps(RUN), "unet.seed": str(SEED),
            "unet.config": json.dumps(config.unet_json(UNET), sort_keys=True),
            "model_index": json.dumps(MODEL_INDEX)}
    return tensors, meta


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root (reads the tiny-sdxl pack, writes the golden)")
    args = parser.parse_args(argv)
    attention.set_backend("manual")
    torch.set_num_threads(1)
    tensors, meta = goldens(args.out)
    path = os.path.join(args.out, "src", "test", "resources", "golden", NAME + ".safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items())
          + f"; {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
