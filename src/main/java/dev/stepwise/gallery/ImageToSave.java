package dev.stepwise.gallery;

/**
 * A finished image and its recipe, as the studio or CLI hands it to {@link Library#save}.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param rgb row-major 8-bit RGB, 3 bytes a pixel
 * @param recipe what made it
 */
public record ImageToSave(int width, int height, byte[] rgb, Recipe recipe) {}
