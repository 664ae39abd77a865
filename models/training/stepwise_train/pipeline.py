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


@torch.no_grad()
def sdxl_encode_prompt(text_encoders, tokenizers, prompt):
    """SDXL's encode_prompt (diffusers pipeline_stable_diffusion_xl.py) for one prompt.

    Each encoder's penultimate hidden state (hidden_states[-2], no final_layer_norm), concatenated
    on the width; the pooled embedding is the last encoder's projection (text_embeds).
    -> (ids list of [1, L], prompt_embeds [1, L, D1 + D2], pooled [1, P]).
    """
    ids_all, states, pooled = [], [], None
    for text, tok in zip(text_encoders, tokenizers):
        ids = torch.tensor([tok.encode(prompt)], dtype=torch.int64)  # [1, L]
        _, second, hidden = text(ids)  # second: pooled [1, D] or text_embeds [1, P]
        pooled = second  # the last encoder's wins, as in diffusers
        states.append(hidden[-2])  # [1, L, Di]
        ids_all.append(ids)
    return ids_all, torch.cat(states, dim=-1), pooled  # [1, L, sum Di], [1, P]


def sdxl_time_ids(original_size, crop_top_left, target_size):
    """diffusers _get_add_time_ids: list(original + crop + target) as [1, 6] (h, w order)."""
    return torch.tensor([list(original_size) + list(crop_top_left) + list(target_size)],
                        dtype=torch.float32)  # [1, 6]


@torch.no_grad()
def sdxl_ddim_txt2img(unet, vae, text_encoders, tokenizers, scheduler, prompt, negative, noise,
                      steps, guidance_scale, time_ids, force_zeros_for_empty_prompt=True):
    """Guided DDIM for an SDXL-shaped model from noise [1, 4, h, w]; a dict of tensors.

    The negative is zeros (prompt_embeds and pooled) when it is empty and
    force_zeros_for_empty_prompt is set, as diffusers does for a negative_prompt of None.
    """
    ids, cond, pooled = sdxl_encode_prompt(text_encoders, tokenizers, prompt)
    if negative == "" and force_zeros_for_empty_prompt:
        uncond, uncond_pooled = torch.zeros_like(cond), torch.zeros_like(pooled)
    else:
        _, uncond, uncond_pooled = sdxl_encode_prompt(text_encoders, tokenizers, negative)
    context = torch.cat([uncond, cond])  # [2, L, D]
    added = {"text_embeds": torch.cat([uncond_pooled, pooled]),  # [2, P]
             "time_ids": torch.cat([time_ids, time_ids])}  # [2, 6]
    timesteps = scheduler.set_timesteps(steps)  # [steps]
    latents = noise * scheduler.init_noise_sigma  # [1, 4, h, w]
    for t in timesteps:
        model_in = scheduler.scale_model_input(torch.cat([latents] * 2), t)  # [2, 4, h, w]
        eps_u, eps_c = unet(model_in, t, context, added_cond=added).chunk(2)  # 2 x [1, 4, h, w]
        eps = eps_u + guidance_scale * (eps_c - eps_u)  # [1, 4, h, w]
        latents, _ = scheduler.step(eps, t, latents, eta=0.0)  # [1, 4, h, w]
    decoded = vae.decode(latents / vae.config["scaling_factor"])  # [1, 3, H, W]
    image = (decoded / 2 + 0.5).clamp(0, 1)  # [1, 3, H, W]
    return {"cond_ids": ids[0], "cond_ids_2": ids[1], "timesteps": timesteps,
            "latents": latents, "image": image, "context": context,
            "text_embeds": added["text_embeds"]}
