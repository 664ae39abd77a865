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
 *     every weight's shape against the result; SDXL's second encoder is {@code text_encoder_2}
 * @param tokenizer2Dir SDXL's second tokenizer folder instead of the bundled vocabulary, or null
 */
public record CheckpointOptions(
    Path tokenizerDir, Map<String, JsonObject> configFields, Path tokenizer2Dir) {

  /** No overrides: the bundled vocabulary and the SD 1.x / 2.x / XL defaults. */
  public static final CheckpointOptions NONE = new CheckpointOptions(null, Map.of());

  /** Copies the map (each object is deep-copied when applied). */
  public CheckpointOptions {
    configFields = Map.copyOf(configFields);
  }

  /** Options without a second tokenizer folder (SDXL's then pads CLIP's vocabulary with "!"). */
  public CheckpointOptions(Path tokenizerDir, Map<String, JsonObject> configFields) {
    this(tokenizerDir, configFields, null);
  }
}
