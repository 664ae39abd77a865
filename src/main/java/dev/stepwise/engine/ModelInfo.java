package dev.stepwise.engine;

/**
 * What identifies a loaded model in metadata and the UI.
 *
 * @param name the pack's name (its folder name)
 * @param hash first 10 hex digits of the SHA-256 of the UNet weights (AUTOMATIC1111's "Model hash")
 * @param device the device it runs on, in words
 * @param vaeFactor the autoencoder's downscale factor (sizes must be multiples of it)
 * @param maxTokens the text encoder's window, BOS and EOS included
 */
public record ModelInfo(String name, String hash, String device, int vaeFactor, int maxTokens) {}
