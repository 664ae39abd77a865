"""Write the img2img and inpainting goldens: src/test/resources/golden/img2img.safetensors.

Usage: /usr/bin/python3 models/training/make_img2img_goldens.py [--out REPO_ROOT]

Contract: docs/goldens.md, section "Img2img and inpainting". Every run uses a committed tiny pack
(models/training/make_goldens.py), the init image and mask below (closed forms the Java test
rebuilds), and the initial noise torch.randn([1, 4, h, w], generator=manual_seed(seed)), which the
engine's SeedNoise reproduces from the same seed. The inpainting run's 9-channel UNet holds no
weights file: parameter k (state_dict order) is torch.randn([numel], generator=manual_seed(seed +
k)) / sqrt(fan_in), as the preview-decoder goldens do, and the metadata lists [key, shape, scale].
Float32 on one thread, manual attention: a rerun on the same torch build gives the same bytes.
The decoded images are stored as F16 (to stay small; 2/255, the tolerance, is far above it).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import attention, config, img2img, pack, safetensors_io, tiny_vae  # noqa
from stepwise_train.pipeline import encode_prompts  # noqa: E402

import make_tiny_goldens  # noqa: E402

SIZE = 32  # tiny-sd: f = 4, latents 8 x 8
PROMPT, NEGATIVE, GUIDANCE = "a red heart emoji", "", 3.0
MASK_BOX = (8, 4, 24, 20)  # x0, y0, x1, y1 in pixels: latent-aligned, white = repaint

# name -> (pack, sampler, steps, strength, seed, masked, inpainting UNet)
RUNS = {
    "ddim": ("tiny-sd", "ddim", 10, 0.6, 11, False, False),
    "euler": ("tiny-sd", "euler", 10, 0.6, 12, False, False),
    "masked": ("tiny-sd", "ddim", 10, 0.8, 13, True, False),
    "inpaint": ("tiny-sd", "ddim", 10, 1.0, 14, True, True),
    "sd2": ("tiny-sd2", "ddim", 10, 0.6, 15, False, False),  # v-prediction, trailing spacing
}

INPAINT_UNET = {
    "sample_size": 8, "in_channels": 9, "out_channels": 4, "block_out_channels": [16, 32],
    "layers_per_block": 1, "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "attention_head_dim": 2,
    "cross_attention_dim": 32, "norm_num_groups": 8,
}
INPAINT_SEED = 7000


def init_image():
    """uint8 [H, W, 3]: R = 8x mod 256, G = 8y mod 256, B = 4(x + y) mod 256."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    return np.stack([(8 * x) % 256, (8 * y) % 256, (4 * (x + y)) % 256], -1).astype(np.uint8)


def mask_image():
    """uint8 [H, W]: 255 inside MASK_BOX."""
    m = np.zeros((SIZE, SIZE), np.uint8)
    x0, y0, x1, y1 = MASK_BOX
    m[y0:y1, x0:x1] = 255
    return m


def signed(rgb):
    """uint8 [H, W, 3] -> [1, 3, H, W] float32 in [-1, 1]: (v / 255) * 2 - 1."""
    t = torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    return t * 2 - 1


def latent_keep(mask, f):
    """A1111's latent mask, kept part: 1 - around(PIL default-bicubic resize / 255)."""
    small = Image.fromarray(mask).resize((SIZE // f, SIZE // f))  # Pillow default: BICUBIC
    repaint = np.around(np.asarray(small, dtype=np.float32) / 255)
    return torch.from_numpy(1 - repaint)[None, None]  # [1, 1, h, w]


def load(root, name):
    """A committed pack and its guided context [2, L, D] for PROMPT and NEGATIVE."""
    models = pack.load_pack(os.path.join(root, "src", "test", "resources", "packs", name))
    text, tok = models["text_encoder"], models["tokenizer"]
    _, cond = encode_prompts(text, tok, [PROMPT])  # [1, L, D]
    _, uncond = encode_prompts(text, tok, [NEGATIVE])  # [1, L, D]
    return models, torch.cat([uncond, cond])  # [2, L, D]


@torch.no_grad()
def goldens(root):
    packs = {name: load(root, name) for name in ("tiny-sd", "tiny-sd2")}
    image = signed(init_image())  # [1, 3, H, W]
    mask = mask_image()
    inpaint_unet = tiny_vae.seeded_weights(config.build_unet(INPAINT_UNET), INPAINT_SEED).eval()
    tensors = {}
    meta = {"torch": torch.__version__, "prompt": PROMPT,
            "negative": NEGATIVE, "guidance": str(GUIDANCE),
            "mask_box": json.dumps(MASK_BOX),
            "inpaint.config": json.dumps(config.unet_json(INPAINT_UNET), sort_keys=True),
            "inpaint.seed": str(INPAINT_SEED),
            "inpaint.weights": json.dumps(make_tiny_goldens.weight_list(inpaint_unet))}
    for name, (pack_name, sampler, steps, strength, seed, masked, inpainting) in RUNS.items():
        models, context = packs[pack_name]
        vae, sched_cfg = models["vae"], models["scheduler"].config
        f = 2 ** (len(vae.config["block_out_channels"]) - 1)
        noise = torch.randn([1, 4, SIZE // f, SIZE // f],
                            generator=torch.Generator().manual_seed(seed))
        unet = inpaint_unet if inpainting else models["unet"]
        keep = latent_keep(mask, f) if masked and not inpainting else None
        extra = None
        if inpainting:
            m = torch.from_numpy(mask.astype(np.float32) / 255)[None, None]  # [1, 1, H, W]
            extra = img2img.inpaint_extra(vae, image, m)
        run = img2img.img2img(unet, vae, context, sched_cfg, sampler, image, noise, steps,
                              GUIDANCE, strength, keep, extra)
        for key in ("timesteps", "start", "latents"):
            tensors[name + "." + key] = run[key].float().contiguous()
        tensors[name + ".image"] = run["image"].half().contiguous()  # [1, 3, H, W], F16
        meta[name] = json.dumps({"pack": pack_name, "sampler": sampler, "steps": steps,
                                 "strength": strength, "seed": seed, "masked": masked,
                                 "inpainting": inpainting})
    return tensors, meta


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root (reads the tiny-sd pack, writes the golden)")
    args = parser.parse_args(argv)
    attention.set_backend("manual")
    torch.set_num_threads(1)
    tensors, meta = goldens(args.out)
    path = os.path.join(args.out, "src", "test", "resources", "golden", "img2img.safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items())
          + f"; {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
