package dev.stepwise.engine;

import java.time.Duration;
import java.util.Map;

/**
 * One finished image with what made it.
 *
 * @param index position in the batch
 * @param seed the seed that made it ({@code request.settings().seedOf(index)})
 * @param image the pixels
 * @param duration time spent on this image (encode share, steps, decode)
 * @param parameters what the run adds to AUTOMATIC1111's parameters beyond the settings (see {@link
 *     GenerationResult#parameters()}), so that an image saved as soon as it is finished records it
 * @param recipeWidth the width its recipe records as {@code Size}: the image's own, or the first
 *     pass's for the hires fix (AUTOMATIC1111 records the size before {@code Hires upscale})
 * @param recipeHeight the height its recipe records, likewise
 */
public record GeneratedImage(
    int index,
    long seed,
    RgbImage image,
    Duration duration,
    Map<String, String> parameters,
    int recipeWidth,
    int recipeHeight) {

  /** Copies {@code parameters}. */
  public GeneratedImage {
    parameters =
        parameters == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
  }

  /** An image whose recipe records its own size. */
  public GeneratedImage(
      int index, long seed, RgbImage image, Duration duration, Map<String, String> parameters) {
    this(index, seed, image, duration, parameters, image.width(), image.height());
  }

  /** An image whose run added no parameters. */
  public GeneratedImage(int index, long seed, RgbImage image, Duration duration) {
    this(index, seed, image, duration, Map.of());
  }
}
