package dev.stepwise.engine;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of a finished request.
 *
 * @param request what was asked
 * @param model the model's description (name and UNet hash)
 * @param images one per batch entry, in order
 * @param duration wall time of the whole job, model loading excluded
 * @param notices plain sentences the user should see (truncated prompt, unknown words, ...)
 */
public record GenerationResult(
    GenerationRequest request,
    ModelInfo model,
    List<GeneratedImage> images,
    Duration duration,
    List<String> notices) {}
