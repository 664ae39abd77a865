package dev.stepwise.engine;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One finished image with what made it.
 *
 * @param index position in the batch
 * @param seed the seed that made it ({@code request.seed() + index})
 * @param image the pixels
 * @param duration time spent on this image (encode share, steps, decode)
 * @param parameters A1111 keys the engine adds to the image's parameters, such as {@code "Lora
 *     hashes"}, in order; never null
 */
public record GeneratedImage(
    int index, long seed, RgbImage image, Duration duration, Map<String, String> parameters) {

  /** Copies {@code parameters}. */
  public GeneratedImage {
    parameters =
        parameters == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }
}
