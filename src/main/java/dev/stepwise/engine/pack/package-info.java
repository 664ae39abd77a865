/**
 * Model packs: Stable Diffusion models in the diffusers folder layout.
 *
 * <p>{@link dev.stepwise.engine.pack.ModelPack} checks the folder when opened (model_index.json,
 * every required config, the weights file names, the tokenizer files), opens weights lazily and
 * reports ignored files as notices. Optional live-preview factors live in {@code
 * preview/latent_rgb.json}: {@code {"factors": [[r, g, b], ...one row per latent channel...],
 * "bias": [r, g, b]}}, applied to scaled latents, giving RGB in [-1, 1].
 */
package dev.stepwise.engine.pack;
