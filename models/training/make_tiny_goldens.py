"""Write the AutoencoderTiny (TAESD) decoder goldens: src/test/resources/golden/taesd.safetensors.

Usage: /usr/bin/python3 models/training/make_tiny_goldens.py [--out REPO_ROOT]

Contract: docs/goldens.md, section "Preview decoder (AutoencoderTiny)". The file holds no weights
(the repository's size budget is tight): every weight is tiny_vae.seeded_weights(module, seed),
parameter k (state_dict order) = torch.randn([numel], generator=manual_seed(seed + k)) * scale,
which the Java side rebuilds bit for bit with SeedNoise. The metadata records, per config, the
config.json, the seed and the ordered weight list [key, shape, scale]. Inputs are seeded too,
everything is float32 on one thread, so a rerun on the same torch build gives the same bytes.
"""

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import safetensors_io, tiny_vae  # noqa: E402

# name -> (config.json overrides of diffusers' AutoencoderTiny defaults, seed, latents shape)
CONFIGS = {
    # TAESD itself (taesd.py Decoder): 4 latent channels, 64 wide, blocks [3, 3, 3, 1],
    # 2x nearest, relu; scaling_factor 1.0.
    "taesd": ({}, 1000, [1, 4, 8, 8]),
    # The other branches: bilinear upsampling by 3, silu, a stage without blocks, a
    # scaling_factor that is not 1 and Stepwise's stepwise_vae_scaling_factor; odd latent sizes.
    "small": ({"decoder_block_out_channels": [8, 8, 8], "num_decoder_blocks": [1, 0, 2],
               "upsampling_scaling_factor": 3, "upsample_fn": "bilinear", "act_fn": "silu",
               "latent_channels": 4, "scaling_factor": 0.5,
               "stepwise_vae_scaling_factor": 0.18215}, 2000, [1, 4, 5, 7]),
    # gelu (exact erf form), 3 latent channels, two stages.
    "gelu": ({"decoder_block_out_channels": [6, 6], "num_decoder_blocks": [1, 1],
              "act_fn": "gelu", "latent_channels": 3}, 3000, [1, 3, 3, 4]),
}


def weight_list(module):
    """[key, shape, scale] per parameter in state_dict order, scale as seeded_weights uses it."""
    out = []
    for name, p in module.state_dict().items():
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        out.append([name, list(p.shape), 1.0 / math.sqrt(max(1, fan_in))])
    return out


def build(overrides, seed):
    """The seeded decoder for one config (eval mode, float32) and its full config dict."""
    module = tiny_vae.AutoencoderTinyDecoder(overrides)
    tiny_vae.seeded_weights(module, seed)
    return module.eval(), dict(module.config)


@torch.no_grad()
def goldens():
    """tensors (name.latents, name.out) and metadata for every config."""
    tensors, meta = {}, {"torch": torch.__version__,
                         "what": "AutoencoderTiny decoder goldens, weights from seeds"}
    for name, (overrides, seed, shape) in CONFIGS.items():
        module, config = build(overrides, seed)
        g = torch.Generator().manual_seed(seed + 100000)
        latents = torch.randn(shape, generator=g)  # [1, L, h, w], the sampler's units
        out = module.decode(latents)  # [1, 3, h f, w f], before any clamp
        tensors[name + ".latents"] = latents.contiguous()
        tensors[name + ".out"] = out.float().contiguous()
        meta[name + ".config"] = json.dumps(config, sort_keys=True)
        meta[name + ".seed"] = str(seed)
        meta[name + ".weights"] = json.dumps(weight_list(module))
        meta[name + ".parameters"] = str(sum(p.numel() for p in module.parameters()))
        meta[name + ".factor"] = str(module.factor())
    return tensors, meta


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root to write src/test/resources/golden/ under")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    tensors, meta = goldens()
    folder = os.path.join(args.out, "src", "test", "resources", "golden")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "taesd.safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items())
          + f"; {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
