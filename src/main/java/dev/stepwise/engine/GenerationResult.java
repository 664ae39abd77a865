package dev.stepwise.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a finished request.
 *
 * @param request what was asked
 * @param model the model's description (name and UNet hash)
 * @param images one per batch entry, in order
 * @param duration wall time of the whole job, model loading excluded
 * @param notices plain sentences the user should see (truncated prompt, unknown words, ...)
 * @param parameters what the run adds to AUTOMATIC1111's parameters beyond the request's settings,
 *     under A1111's keys and in its order: {@code VAE hash} and {@code VAE} when a separate
 *     autoencoder decoded, {@code TI hashes} ({@code "name: hash, ..."}) when embeddings were used
 */
public record GenerationResult(
    GenerationRequest request,
    ModelInfo model,
    List<GeneratedImage> images,
    Duration duration,
    List<String> notices,
    Map<String, String> parameters) {

  /** Copies {@code parameters}. */
  public GenerationResult {
    parameters =
        parameters == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
  }

  /** A result that adds no parameters. */
  public GenerationResult(
      GenerationRequest request,
      ModelInfo model,
      List<GeneratedImage> images,
      Duration duration,
      List<String> notices) {
    this(request, model, images, duration, notices, Map.of());
  }
}
