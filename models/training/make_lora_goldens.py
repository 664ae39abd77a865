"""Write the LoRA golden: src/test/resources/golden/lora.safetensors.

Usage: /usr/bin/python3 models/training/make_lora_goldens.py [--out REPO_ROOT]

Contract: docs/goldens.md, section "LoRA". The file holds no LoRA weights: parameter k of
"lora.weights" (a JSON list of [key, shape, scale]) is
torch.randn([numel], generator=torch.Generator().manual_seed(seed + k)) * scale, which the Java
side rebuilds with SeedNoise; "lora.alphas" maps the ".alpha" keys to their values. The merge at
"lora.multiplier" 0.7 is stepwise_train/lora.py on the committed tiny-sd pack. Tensors, F32, per
changed layer "<unet|text_encoder>/<weight key>": ".head" (the merged weight's first 4 rows,
flattened: [4, in*kh*kw]) and ".rowsum" (each row's sum, [out]), to stay small.
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import lora as lr  # noqa: E402
from stepwise_train import pack, safetensors_io  # noqa: E402

SEED = 1300
MULTIPLIER = 0.7
RANK = 2
# (kohya module, layer in diffusers names, shape of down, shape of up, alpha or None)
MODULES = [
    ("lora_te_text_model_encoder_layers_0_self_attn_q_proj", [RANK, 32], [32, RANK], 1.0),
    ("lora_te_text_model_encoder_layers_1_self_attn_out_proj", [RANK, 32], [32, RANK], None),
    ("lora_unet_conv_in", [RANK, 4, 3, 3], [32, RANK, 1, 1], 4.0),  # LoCon
    ("lora_unet_down_blocks_0_attentions_0_proj_in", [RANK, 32, 1, 1], [32, RANK, 1, 1], 1.0),
    ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q", [RANK, 32],
     [32, RANK], 2.0),
    ("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k", [RANK, 32],
     [32, RANK], 0.5),
    # LDM names, as some trainers write them: input_blocks.1.1 is down_blocks.0.attentions.0.
    ("lora_unet_input_blocks_1_1_proj_out", [RANK, 32, 1, 1], [32, RANK, 1, 1], 1.0),
]
LDM = {"lora_unet_input_blocks_1_1_proj_out": "lora_unet_down_blocks_0_attentions_0_proj_out"}
SCALE = 0.3


def lora_weights():
    """The LoRA's tensors (kohya names) and the "lora.weights" list, from the seeds."""
    weights, spec = {}, []
    k = 0
    for name, down, up, alpha in MODULES:
        for key, shape in ((name + ".lora_down.weight", down), (name + ".lora_up.weight", up)):
            numel = 1
            for s in shape:
                numel *= s
            g = torch.Generator().manual_seed(SEED + k)
            weights[key] = (torch.randn([numel], generator=g) * SCALE).reshape(shape)
            spec.append([key, shape, SCALE])
            k += 1
        if alpha is not None:
            weights[name + ".alpha"] = torch.tensor(alpha, dtype=torch.float32)
    return weights, spec


def goldens(res):
    p = pack.load_pack(os.path.join(res, "packs", "tiny-sd"))
    tables = {}
    tables.update(lr.module_table(p["text_encoder"], "lora_te_"))
    tables.update(lr.module_table(p["unet"], "lora_unet_"))
    for ldm, diffusers in LDM.items():
        tables[ldm] = tables[diffusers]
    lora, spec = lora_weights()
    lr.merge(tables, lora, MULTIPLIER)
    tensors = {}
    for name, _, _, _ in MODULES:
        diffusers = LDM.get(name, name)
        part = "text_encoder" if diffusers.startswith("lora_te_") else "unet"
        table = p["text_encoder"] if part == "text_encoder" else p["unet"]
        module = next(n for n, m in table.named_modules() if m is tables[name])
        w = tables[name].weight.detach().float()
        key = f"{part}/{module}.weight"
        tensors[key + ".head"] = w.reshape(w.shape[0], -1)[:4].contiguous()
        tensors[key + ".rowsum"] = w.reshape(w.shape[0], -1).double().sum(1).float()
    meta = {"torch": torch.__version__, "what": "LoRA merged at 0.7 into tiny-sd (kohya names)",
            "lora.seed": str(SEED), "lora.weights": json.dumps(spec),
            "lora.alphas": json.dumps({n + ".alpha": a for n, _, _, a in MODULES
                                       if a is not None}),
            "lora.multiplier": str(MULTIPLIER)}
    return tensors, meta


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root to write src/test/resources/golden/ under")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    res = os.path.join(args.out, "src", "test", "resources")
    tensors, meta = goldens(res)
    path = os.path.join(res, "golden", "lora.safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: {len(tensors)} tensors; {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
