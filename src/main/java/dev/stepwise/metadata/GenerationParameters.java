package dev.stepwise.metadata;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The settings that produced an image, as AUTOMATIC1111's {@code parameters} text records them.
 *
 * <p>Nullable fields are left out of the text when null: {@code scheduleType} (for example {@code
 * "Karras"}), {@code modelHash} (10 hex digits for current A1111, 8 for old files), {@code
 * modelName} and {@code version} (for example {@code "Stepwise 0.1.0"}). {@code sampler} is the
 * A1111 display name such as {@code "Euler a"} or {@code "DPM++ 2M"}; {@link SamplerNames} maps it
 * to Stepwise's samplers. {@code extras} keeps every other key in order (for example {@code "Eta"},
 * {@code "Clip skip"}); it is copied and unmodifiable.
 *
 * @param prompt the prompt, possibly several lines; never null
 * @param negativePrompt the negative prompt, empty when there is none; never null
 * @param steps the number of sampling steps, at least 1
 * @param sampler the A1111 sampler display name; never null or blank
 * @param scheduleType the A1111 schedule type, or null
 * @param guidance the classifier-free guidance scale (the text's {@code CFG scale}); finite
 * @param seed the seed
 * @param width the image width in pixels, at least 1
 * @param height the image height in pixels, at least 1
 * @param modelHash the short model hash, or null
 * @param modelName the model name, or null
 * @param version the program and version that made the image, or null
 * @param extras the other keys with non-empty values, in order; never null
 */
public record GenerationParameters(
    String prompt,
    String negativePrompt,
    int steps,
    String sampler,
    String scheduleType,
    double guidance,
    long seed,
    int width,
    int height,
    String modelHash,
    String modelName,
    String version,
    Map<String, String> extras) {

  /** Keys with a field of their own; they may not appear in {@link #extras}. */
  public static final Set<String> FIELD_KEYS =
      Set.of(
          "Steps",
          "Sampler",
          "Schedule type",
          "CFG scale",
          "Seed",
          "Size",
          "Model hash",
          "Model",
          "Version");

  /** Validates the values and makes {@code extras} an unmodifiable ordered copy. */
  public GenerationParameters {
    if (prompt == null) {
      throw new MetadataException("The prompt is missing; give a prompt, which may be empty.");
    }
    if (negativePrompt == null) {
      throw new MetadataException(
          "The negative prompt is missing; give an empty text when there is none.");
    }
    if (steps < 1) {
      throw new MetadataException("Steps " + steps + " is not allowed; use 1 or more.");
    }
    if (sampler == null || sampler.isBlank()) {
      throw new MetadataException("The sampler name is missing; give a name such as Euler a.");
    }
    if (!Double.isFinite(guidance)) {
      throw new MetadataException(
          "CFG scale " + guidance + " is not allowed; use a finite number.");
    }
    if (width < 1 || height < 1) {
      throw new MetadataException(
          "Size " + width + "x" + height + " is not allowed; width and height must be 1 or more.");
    }
    if (extras == null) {
      throw new MetadataException("The extra parameters are missing; give an empty map instead.");
    }
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : extras.entrySet()) {
      checkExtra(e.getKey(), e.getValue());
      copy.put(e.getKey(), e.getValue());
    }
    extras = Collections.unmodifiableMap(copy);
  }

  /**
   * Checks that an extra key can be written and read back: it must look like an A1111 key (a
   * letter, digit or underscore, then one or more of those, spaces, hyphens or slashes), must not
   * be one of {@link #FIELD_KEYS}, and its value must not be empty (A1111 drops empty values).
   */
  private static void checkExtra(String key, String value) {
    if (key == null || key.codePointCount(0, key.length()) < 2) {
      throw new MetadataException(
          "Extra parameter name '" + key + "' is too short; use at least 2 characters.");
    }
    if (!ParamLine.isWord(key.codePointAt(0))
        || !key.codePoints()
            .allMatch(c -> ParamLine.isWord(c) || c == ' ' || c == '-' || c == '/')) {
      throw new MetadataException(
          "Extra parameter name '"
              + key
              + "' is not allowed; start with a letter or digit and use only letters, digits,"
              + " underscores, spaces, hyphens and slashes.");
    }
    if (FIELD_KEYS.contains(key)) {
      throw new MetadataException(
          "Extra parameter name '" + key + "' is not allowed; it has its own field.");
    }
    if (value == null || value.isEmpty()) {
      throw new MetadataException(
          "Extra parameter '" + key + "' has no value; give it a value or leave it out.");
    }
  }
}
