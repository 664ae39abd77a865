"""LoRA merged into a loaded model: Stepwise's PyTorch reference (docs/goldens.md, "LoRA").

Kohya-ss names: "lora_unet_" / "lora_te_" + the module's name with "." written as "_", then
".lora_down.weight" [r, in(, kh, kw)], ".lora_up.weight" [out, r(, 1, 1)] and ".alpha" (a scalar).
The merge follows A1111's extensions-builtin/Lora (networks.py network_apply_weights,
network_lora.py calc_updown, lyco_helpers.py rebuild_conventional, network.py calc_scale):
W' = W + multiplier * (alpha / r) * (up.flatten(1) @ down.flatten(1)).reshape(W.shape), with
r = down.shape[0] and alpha / r taken as 1 when the file has no alpha. Modules are found by
name as A1111 does (assign_network_names_to_compvis_modules): named_modules() with "_" for ".".
"""

import torch


def module_table(model, prefix):
    """{prefix + name with "_" for ".": module} for every module of model with a weight."""
    return {prefix + name.replace(".", "_"): m for name, m in model.named_modules()
            if name and getattr(m, "weight", None) is not None}


def updown(down, up, alpha, multiplier, shape):
    """multiplier * (alpha / r) * up @ down, reshaped to the layer's weight shape (float32)."""
    r = down.shape[0]
    scale = 1.0 if alpha is None else float(alpha) / r
    delta = up.reshape(up.shape[0], -1).float() @ down.reshape(r, -1).float()  # [out, in*kh*kw]
    return (delta * (multiplier * scale)).reshape(shape)


def merge(tables, lora, multiplier):
    """Adds every LoRA module of lora (kohya names) to its layer in place; returns the names."""
    merged = []
    for key in sorted(k for k in lora if k.endswith(".lora_down.weight")):
        name = key[: -len(".lora_down.weight")]
        layer = tables[name]
        alpha = lora.get(name + ".alpha")
        with torch.no_grad():
            layer.weight += updown(lora[key], lora[name + ".lora_up.weight"],
                                   None if alpha is None else alpha.item(), multiplier,
                                   layer.weight.shape)
        merged.append(name)
    return merged
