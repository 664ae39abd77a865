"""Text-to-image with classifier-free guidance and DDIM (diffusers pipeline_stable_diffusion.py).

prompt embeddings are cat([uncond, cond]); eps = eps_u + s * (eps_c - eps_u) (Ho & Salimans
2022 with s = 1 + w); the image is clamp(vae.decode(latents / scaling_factor) / 2 + 0.5, 0, 1).
"""

import torch


@torch.no_grad()
def encode_prompts(text_encoder, tokenizer, prompts):
    """list of strings -> (ids [B, L] int64, last_hidden_state [B, L, D])."""
    ids = torch.tensor([tokenizer.encode(p) for p in prompts], dtype=torch.int64)  # [B, L]
    return ids, text_encoder(ids)[0]  # [B, L, D]


@torch.no_grad()
def ddim_txt2img(unet, vae, text_encoder, tokenizer, scheduler, prompt, negative, noise,
                 steps, guidance_scale, eta=0.0):
    """Guided DDIM from initial latents noise [1, 4, h, w]; returns a dict of tensors."""
    cond_ids, cond = encode_prompts(text_encoder, tokenizer, [prompt])  # [1, L], [1, L, D]
    uncond_ids, uncond = encode_prompts(text_encoder, tokenizer, [negative])  # same
    context = torch.cat([uncond, cond])  # [2, L, D]
    timesteps = scheduler.set_timesteps(steps)  # [steps]
    latents = noise * scheduler.init_noise_sigma  # [1, 4, h, w]
    for t in timesteps:
        model_in = scheduler.scale_model_input(torch.cat([latents] * 2), t)  # [2, 4, h, w]
        eps_u, eps_c = unet(model_in, t, context).chunk(2)  # 2 x [1, 4, h, w]
        eps = eps_u + guidance_scale * (eps_c - eps_u)  # [1, 4, h, w]
        latents, _ = scheduler.step(eps, t, latents, eta=eta)  # [1, 4, h, w]
    decoded = vae.decode(latents / vae.config["scaling_factor"])  # [1, 3, H, W]
    image = (decoded / 2 + 0.5).clamp(0, 1)  # [1, 3, H, W]
    return {"cond_ids": cond_ids, "uncond_ids": uncond_ids, "timesteps": timesteps,
            "latents": latents, "image": image}
