package dev.stepwise.engine.pack;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a single-file checkpoint cannot say about itself, for the rare file that is not a standard
 * SD 1.x or 2.x model (a small model made from a diffusers folder, such as the tests' tiny packs).
 *
 * @param tokenizerDir a diffusers {@code tokenizer/} folder to use instead of the bundled CLIP
 *     vocabulary, or null
 * @param configFields per component ({@code unet}, {@code vae}, {@code text_encoder}, {@code
 *     scheduler}), config.json fields laid over the inferred ones (head counts, group counts, the
 *     scaling factor, the sample size: numbers the tensors do not carry); the networks still check
 *     every weight's shape against the result
 */
public record CheckpointOptions(Path tokenizerDir, Map<String, JsonObject> configFields) {

  /** No overrides: the bundled vocabulary and the SD 1.x / 2.x defaults. */
  public static final CheckpointOptions NONE = new CheckpointOptions(null, Map.of());

  /** Copies the map (each object is deep-copied when applied). */
  public CheckpointOptions {
    configFields = Map.copyOf(configFields);
  }
}
