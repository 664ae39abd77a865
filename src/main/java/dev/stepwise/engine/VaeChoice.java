package dev.stepwise.engine;

/**
 * A separate autoencoder a run decoded with, as AUTOMATIC1111 records it (modules/sd_vae.py): its
 * file name with the extension ({@code get_loaded_vae_name}; a diffusers folder's name) and the
 * first 10 hex digits of its weights file's SHA-256 ({@code get_loaded_vae_hash}).
 *
 * @param name the file or folder name, such as {@code vae-ft-mse-840000-ema-pruned.safetensors}
 * @param hash 10 lower-case hex digits
 */
public record VaeChoice(String name, String hash) {}
