package dev.stepwise.app.studio;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.RgbImage;

/**
 * One finished image in the results strip.
 *
 * @param image the pixels
 * @param seed the seed that made it
 * @param request the request of its job
 */
public record ResultItem(RgbImage image, long seed, GenerationRequest request) {}
