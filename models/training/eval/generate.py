"""Images of captions from a pack: loading, and batched guided DDIM.

generate() is stepwise_train.pipeline.ddim_txt2img run on several prompts at once (and on a
device): per image, eps = eps_u + s (eps_c - eps_u) (Ho & Salimans 2022, diffusers
pipeline_stable_diffusion.py), DDIM with eta 0 (Song et al. 2021 eq. 12, stepwise_train.ddim),
image = clamp(vae.decode(latents / scaling_factor) / 2 + 0.5, 0, 1). The initial noise of an
image with seed k is torch.randn([1, C, h, w]) of a CPU generator seeded k, as in the pack's
sample grid and the Java engine. tests/test_eval_generate.py checks it against ddim_txt2img.
"""

import torch

from stepwise_train import export_core
from stepwise_train import pack as pack_io


def load_pack(folder):
    """dict(unet, vae, text_encoder, tokenizer, scheduler), float32, eval mode. Exported packs
    (word-level vocab with <pad>/<eos>) load through export_core; packs with CLIP-style
    tokenizers (the tiny test packs) through stepwise_train.pack."""
    try:
        unet, vae, text, tok, sched = export_core.load_models(folder)
        return {"unet": unet, "vae": vae, "text_encoder": text, "tokenizer": tok,
                "scheduler": sched}
    except ValueError as first:
        try:
            return pack_io.load_pack(folder)
        except (ValueError, OSError, KeyError):
            raise first from None


def initial_noise(models, seed):
    """torch.randn([1, C, h, w]) of a CPU generator seeded `seed`."""
    cfg = models["unet"].config
    size = cfg["sample_size"]
    h, w = (size, size) if isinstance(size, int) else size
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn((1, cfg["in_channels"], h, w), generator=g)  # [1, C, h, w]


@torch.no_grad()
def generate(models, captions, seeds, steps, guidance, negative="", device="cpu", batch=16):
    """Images [N, 3, H, W] in [0, 1] (CPU) for captions[i] with seeds[i]."""
    if len(captions) != len(seeds):
        raise ValueError(f"{len(captions)} captions but {len(seeds)} seeds")
    unet, vae, text = (models[k].to(device) for k in ("unet", "vae", "text_encoder"))
    tok, sched = models["tokenizer"], models["scheduler"]
    neg_ids = torch.tensor([tok.encode(negative)], dtype=torch.int64, device=device)  # [1, L]
    uncond1 = text(neg_ids)[0]  # [1, L, D]
    out = []
    for start in range(0, len(captions), batch):
        caps = captions[start:start + batch]
        b = len(caps)
        ids = torch.tensor([tok.encode(c) for c in caps], dtype=torch.int64,
                           device=device)  # [b, L]
        cond = text(ids)[0]  # [b, L, D]
        context = torch.cat([uncond1.expand(b, -1, -1), cond])  # [2b, L, D]
        noise = torch.cat([initial_noise(models, s) for s in seeds[start:start + b]])
        latents = noise.to(device) * sched.init_noise_sigma  # [b, C, h, w]
        for t in sched.set_timesteps(steps):
            model_in = sched.scale_model_input(torch.cat([latents] * 2), t)  # [2b, C, h, w]
            eps_u, eps_c = unet(model_in, t.to(device), context).chunk(2)  # 2 x [b, C, h, w]
            eps = eps_u + guidance * (eps_c - eps_u)  # [b, C, h, w]
            latents, _ = sched.step(eps, t, latents)  # [b, C, h, w]
        decoded = vae.decode(latents / vae.config["scaling_factor"])  # [b, 3, H, W]
        out.append((decoded / 2 + 0.5).clamp(0, 1).float().cpu())  # [b, 3, H, W]
    return torch.cat(out)  # [N, 3, H, W]
