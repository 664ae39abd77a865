package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.sampling.SamplerKind;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The studio's generation controls as plain values: what is remembered between runs and what one
 * press of Generate turns into a {@link GenerationRequest}.
 *
 * @param prompt the prompt text
 * @param negativePrompt the negative prompt text
 * @param guidanceScale classifier-free guidance scale s (w = s - 1 in Ho and Salimans' notation)
 * @param steps sampler steps
 * @param seedText the seed field's text (a whole number)
 * @param seedLocked whether Generate reuses the seed field instead of drawing a new seed
 * @param sampler the sampler
 * @param karras whether Karras sigmas are used
 * @param width image width in pixels
 * @param height image height in pixels
 * @param batch images per press of Generate
 * @param modelFolder the chosen model pack folder, or an empty string for the built-in model
 * @param previewMethod how the live preview is made (Auto by default)
 * @param previewDecoders the preview decoder chosen for each model, by the model's folder
 *     ({@link #modelKey}): a TAESD-format folder or {@code .safetensors} file
 */
public record GenerationSettings(
    String prompt,
    String negativePrompt,
    double guidanceScale,
    int steps,
    String seedText,
    boolean seedLocked,
    SamplerKind sampler,
    boolean karras,
    int width,
    int height,
    int batch,
    String modelFolder,
    PreviewMethod previewMethod,
    Map<String, String> previewDecoders) {

  /** The example prompt a first start opens with. */
  public static final String EXAMPLE_PROMPT = "grinning cat, twemoji style";

  /** The most steps the studio offers. */
  public static final int MAX_STEPS = 200;

  /** Fills nulls with defaults so settings read from an older file stay usable. */
  public GenerationSettings {
    prompt = prompt == null ? "" : prompt;
    negativePrompt = negativePrompt == null ? "" : negativePrompt;
    seedText = seedText == null ? "0" : seedText;
    sampler = sampler == null ? SamplerKind.DDIM : sampler;
    modelFolder = modelFolder == null ? "" : modelFolder;
    previewMethod = previewMethod == null ? PreviewMethod.AUTO : previewMethod;
    Map<String, String> decoders = new TreeMap<>();
    if (previewDecoders != null) {
      previewDecoders.forEach(
          (k, v) -> {
            if (k != null && v != null && !k.isBlank() && !v.isBlank()) {
              decoders.put(k, v);
            }
          });
    }
    previewDecoders = Collections.unmodifiableMap(decoders);
  }

  /** Settings with Auto previews and no preview decoder chosen (what older files hold). */
  public GenerationSettings(
      String prompt,
      String negativePrompt,
      double guidanceScale,
      int steps,
      String seedText,
      boolean seedLocked,
      SamplerKind sampler,
      boolean karras,
      int width,
      int height,
      int batch,
      String modelFolder) {
    this(
        prompt, negativePrompt, guidanceScale, steps, seedText, seedLocked, sampler, karras, width,
        height, batch, modelFolder, PreviewMethod.AUTO, Map.of());
  }

  /** The key of {@code modelFolder} in {@link #previewDecoders()}: its absolute, normal path. */
  public static String modelKey(Path modelFolder) {
    return modelFolder.toAbsolutePath().normalize().toString();
  }

  /** The preview decoder chosen for the model in {@code modelFolder}, or null (the model's own). */
  public Path previewDecoderFor(Path modelFolder) {
    String d = modelFolder == null ? null : previewDecoders.get(modelKey(modelFolder));
    return d == null ? null : Path.of(d);
  }

  /** What a first start shows: the example prompt, 20 DDIM steps, scale 5, the model's own size. */
  public static GenerationSettings defaults() {
    return new GenerationSettings(
        EXAMPLE_PROMPT, "", 5.0, 20, "0", false, SamplerKind.DDIM, false, 0, 0, 1, "");
  }

  /**
   * Checks every field that the request itself would not reject with a clear sentence; returns null
   * when all are fine, otherwise the first problem as one plain sentence.
   *
   * @param sizeStep image sides must be multiples of this (the autoencoder's factor)
   */
  public String problem(int sizeStep) {
    if (steps < 1 || steps > MAX_STEPS) {
      return "Steps must be between 1 and " + MAX_STEPS + ", got " + steps + ".";
    }
    if (!Double.isFinite(guidanceScale) || guidanceScale < 0 || guidanceScale > 30) {
      return "Guidance scale must be between 0 and 30, got " + guidanceScale + ".";
    }
    if (batch < 1 || batch > GenerationRequest.MAX_BATCH) {
      return "Batch count must be between 1 and "
          + GenerationRequest.MAX_BATCH
          + ", got "
          + batch
          + ".";
    }
    for (int side : new int[] {width, height}) {
      if (side != 0
          && (side < sizeStep || side > GenerationRequest.MAX_SIDE || side % sizeStep != 0)) {
        return "Width and height must be multiples of "
            + sizeStep
            + " between "
            + sizeStep
            + " and "
            + GenerationRequest.MAX_SIDE
            + " pixels, got "
            + width
            + "x"
            + height
            + ".";
      }
    }
    if (seedLocked) {
      try {
        Seeds.parse(seedText);
      } catch (EngineException e) {
        return e.getMessage();
      }
    }
    return null;
  }

  /**
   * The request for one press of Generate with {@code seed} for image 0 and {@code model} (null for
   * the service's default model). The live preview starts on x0 (the canvas then says what it
   * shows), made with the chosen preview method and the preview decoder chosen for {@code model}.
   */
  public GenerationRequest toRequest(long seed, Path model) {
    return GenerationRequest.builder()
        .model(model)
        .prompt(prompt)
        .negativePrompt(negativePrompt)
        .steps(steps)
        .guidanceScale(guidanceScale)
        .seed(seed)
        .sampler(sampler)
        .karras(karras)
        .size(width, height)
        .batch(batch)
        .previewSource(PreviewSource.PREDICTED_IMAGE)
        .previewMethod(previewMethod)
        .previewDecoder(previewDecoderFor(model))
        .build();
  }
}
