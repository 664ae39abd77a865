"""Write the SDXL LoRA golden: src/test/resources/golden/sdxl-lora.safetensors.

Usage: /usr/bin/python3 models/training/make_sdxl_lora_goldens.py [--out REPO_ROOT]

Contract: docs/goldens.md, section "LoRA on SDXL". As the SD golden (make_lora_goldens.py), the
file holds no LoRA weights: parameter k of "lora.weights" (a JSON list of [key, shape, scale]) is
torch.randn([numel], generator=torch.Generator().manual_seed(seed + k)) * scale; "lora.alphas"
maps the ".alpha" keys to their values. The names are kohya-ss' SDXL names: "lora_unet_" with the
UNet's LDM names (input_blocks / middle_block / output_blocks, as sd-scripts' SDXL UNet has
them), "lora_te1_" for the first text encoder (CLIPTextModel) and "lora_te2_" for the second
(CLIPTextModelWithProjection), both with transformers' names. The merge at "lora.multiplier" 0.7
is stepwise_train/lora.py on the committed tiny-sdxl pack. Tensors, F32, per changed layer
"<unet|text_encoder|text_encoder_2>/<weight key>": ".head" (the merged weight's first 4 rows,
flattened) and ".rowsum" (each row's sum, [out]); "lora.layers" maps each kohya module to its
layer's "<part>/<weight key>". "run.*": a 4-step guided DDIM run with the LoRA merged
(run.noise [1, 4, 8, 8] in, run.latents out, run.text_embeds the pooled [uncond, cond]).
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_lora_goldens import SCALE  # noqa: E402
from make_sdxl_goldens import load_text2  # noqa: E402
from stepwise_train import lora as lr  # noqa: E402
from stepwise_train import attention, pack, pipeline, safetensors_io  # noqa: E402

SEED = 1400
MULTIPLIER = 0.7
RANK = 3
# (kohya module, shape of down, shape of up, alpha or None). tiny-sdxl has one layer per block
# and two levels, so input_blocks.3 is down_blocks.1 (its attention at .1), middle_block.1 the
# mid block's attention, output_blocks.0 / .1 up_blocks.0's two (resnet, attention) pairs.
MODULES = [
    ("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", [RANK, 16], [16, RANK], 1.0),
    ("lora_te1_text_model_encoder_layers_1_mlp_fc1", [RANK, 16], [32, RANK], None),
    ("lora_te2_text_model_encoder_layers_0_self_attn_k_proj", [RANK, 24], [24, RANK], 2.0),
    ("lora_te2_text_model_encoder_layers_1_mlp_fc2", [RANK, 48], [24, RANK], 1.5),
    ("lora_unet_input_blocks_1_0_in_layers_2", [RANK, 8, 3, 3], [8, RANK, 1, 1], 1.0),  # LoCon
    ("lora_unet_input_blocks_3_1_transformer_blocks_1_attn2_to_k", [RANK, 40], [12, RANK], 1.0),
    ("lora_unet_middle_block_1_transformer_blocks_0_attn1_to_q", [RANK, 12], [12, RANK], 0.5),
    ("lora_unet_output_blocks_1_1_proj_in", [RANK, 12], [12, RANK], None),
    ("lora_unet_output_blocks_0_1_transformer_blocks_0_attn1_to_out_0", [RANK, 12], [12, RANK],
     3.0),
    ("lora_unet_output_blocks_2_0_emb_layers_1", [RANK, 32], [8, RANK], 1.0),
]
# The LDM UNet names in diffusers' names, written out by hand as an oracle for the Java key map.
LDM = {
    "lora_unet_input_blocks_1_0_in_layers_2": "down_blocks.0.resnets.0.conv1",
    "lora_unet_input_blocks_3_1_transformer_blocks_1_attn2_to_k":
        "down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k",
    "lora_unet_middle_block_1_transformer_blocks_0_attn1_to_q":
        "mid_block.attentions.0.transformer_blocks.0.attn1.to_q",
    "lora_unet_output_blocks_1_1_proj_in": "up_blocks.0.attentions.1.proj_in",
    "lora_unet_output_blocks_0_1_transformer_blocks_0_attn1_to_out_0":
        "up_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
    "lora_unet_output_blocks_2_0_emb_layers_1": "up_blocks.1.resnets.0.time_emb_proj",
}
PARTS = {"lora_te1_": "text_encoder", "lora_te2_": "text_encoder_2", "lora_unet_": "unet"}
# A short guided run with the LoRA merged (make_sdxl_goldens.py's "ddim" run, other noise).
RUN = {"prompt": "a red heart emoji", "negative": "", "steps": 4, "guidance_scale": 5.0}


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
    folder = os.path.join(res, "packs", "tiny-sdxl")
    p = pack.load_pack(folder)
    models = {"text_encoder": p["text_encoder"], "text_encoder_2": load_text2(folder),
              "unet": p["unet"]}
    tables = {}
    for prefix, part in PARTS.items():
        tables.update(lr.module_table(models[part], prefix))
    modules = {}  # kohya name -> (part, module name)
    for name, _, _, _ in MODULES:
        prefix = next(x for x in PARTS if name.startswith(x))
        part = PARTS[prefix]
        module = LDM.get(name, name[len(prefix):])
        if name in LDM:
            tables[name] = dict(models["unet"].named_modules())[module]
        else:
            module = next(n for n, m in models[part].named_modules() if m is tables[name])
        modules[name] = (part, module)
    lora, spec = lora_weights()
    lr.merge(tables, lora, MULTIPLIER)
    tensors = {}
    previous = attention.get_backend()
    attention.set_backend("manual")
    try:
        with torch.no_grad():
            noise = torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed(SEED - 1))
            run = pipeline.sdxl_ddim_txt2img(
                models["unet"], p["vae"], [models["text_encoder"], models["text_encoder_2"]],
                [p["tokenizer"], p["tokenizer"]], p["scheduler"], RUN["prompt"], RUN["negative"],
                noise, RUN["steps"], RUN["guidance_scale"],
                pipeline.sdxl_time_ids((32, 32), (0, 0), (32, 32)))
    finally:
        attention.set_backend(previous)
    tensors["run.noise"] = noise.contiguous()
    tensors["run.latents"] = run["latents"].float().contiguous()
    tensors["run.text_embeds"] = run["text_embeds"].float().contiguous()
    for name, (part, module) in modules.items():
        w = tables[name].weight.detach().float()
        key = f"{part}/{module}.weight"
        tensors[key + ".head"] = w.reshape(w.shape[0], -1)[:4].contiguous()
        tensors[key + ".rowsum"] = w.reshape(w.shape[0], -1).double().sum(1).float()
    meta = {"torch": torch.__version__,
            "what": "LoRA merged at 0.7 into tiny-sdxl (kohya SDXL names, LDM UNet names)",
            "lora.seed": str(SEED), "lora.weights": json.dumps(spec),
            "lora.alphas": json.dumps({n + ".alpha": a for n, _, _, a in MODULES
                                       if a is not None}),
            "lora.multiplier": str(MULTIPLIER),
            "run.prompt": RUN["prompt"], "run.negative": RUN["negative"],
            "run.steps": str(RUN["steps"]), "run.guidance_scale": str(RUN["guidance_scale"]),
            "run.what": "DDIM from run.noise on tiny-sdxl with the LoRA merged at 0.7: the final"
                        " latents and the pooled embeddings [uncond, cond]",
            "lora.layers": json.dumps({n: f"{part}/{module}.weight"
                                       for n, (part, module) in modules.items()})}
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
    path = os.path.join(res, "golden", "sdxl-lora.safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: {len(tensors)} tensors; {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
