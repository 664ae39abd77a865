package dev.stepwise.engine;

import java.time.Duration;

/**
 * One finished image with what made it.
 *
 * @param index position in the batch
 * @param seed the seed that made it ({@code request.seed() + index})
 * @param image the pixels
 * @param duration time spent on this image (encode share, steps, decode)
 */
public record GeneratedImage(int index, long seed, RgbImage image, Duration duration) {}
