package dev.stepwise.app.studio;

import com.google.gson.annotations.SerializedName;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The studio's generation controls as plain values: what is remembered between runs and what one
 * press of Generate turns into a {@link GenerationRequest}. The controls may hold values a request
 * refuses (a seed field's text, a size the model cannot make); {@link #problem} names the first
 * one, with {@link Settings}'s sentences for everything {@link Settings} checks.
 *
 * @param prompt the prompt text
 * @param negativePrompt the negative prompt text
 * @param guidance classifier-free guidance scale s (see {@link Settings}; stored files before 0.2
 *     call it {@code guidanceScale})
 * @param steps sampler steps
 * @param seedText the seed field's text (a whole number; empty while unlocked means "random")
 * @param seedLocked whether Generate reuses the seed field instead of drawing a new seed
 * @param sampler the sampler
 * @param karras whether Karras sigmas are used
 * @param width image width in pixels
 * @param height image height in pixels
 * @param batch images per press of Generate
 * @param modelFolder the chosen model pack folder, or an empty string for the built-in model
 * @param previewMethod how the live preview is made (Auto by default)
 * @param previewDecoders the preview decoder chosen for each model, by the model's folder ({@link
 *     #modelKey}): a TAESD-format folder or {@code .safetensors} file
 * @param predictions what each single-file checkpoint predicts when the user said so ({@code
 *     epsilon} or {@code v_prediction}), by {@link #modelKey}; a model not listed uses its own
 *     guess (SD 2 files do not say)
 * @param modelsRoot the models folder the chooser lists (Stepwise's, an AUTOMATIC1111 or a ComfyUI
 *     folder), or an empty string for the default ({@code ModelsFolder.defaultRoot()})
 * @param clipSkip A1111's clip skip (1 = the text encoder's last layer; 0 in older files reads as
 *     1)
 * @param vae a separate autoencoder's file or folder, or an empty string for the model's own
 */
public record GenerationSettings(
    String prompt,
    String negativePrompt,
    @SerializedName(value = "guidance", alternate = "guidanceScale") double guidance,
    int steps,
    String seedText,
    boolean seedLocked,
    Sampler sampler,
    boolean karras,
    int width,
    int height,
    int batch,
    String modelFolder,
    PreviewMethod previewMethod,
    Map<String, String> previewDecoders,
    Map<String, String> predictions,
    String modelsRoot,
    int clipSkip,
    String vae) {

  /** The example prompt a first start opens with. */
  public static final String EXAMPLE_PROMPT = "grinning cat, twemoji style";

  /**
   * The most steps the studio's controls offer (a recipe may hold up to {@link
   * Settings#MAX_STEPS}).
   */
  public static final int MAX_STEPS = 200;

  /** Fills nulls with defaults so settings read from an older file stay usable. */
  public GenerationSettings {
    prompt = prompt == null ? "" : prompt;
    negativePrompt = negativePrompt == null ? "" : negativePrompt;
    seedText = seedText == null ? "" : seedText;
    sampler = sampler == null ? Sampler.DDIM : sampler;
    modelFolder = modelFolder == null ? "" : modelFolder;
    previewMethod = previewMethod == null ? PreviewMethod.AUTO : previewMethod;
    previewDecoders = cleanMap(previewDecoders);
    predictions = cleanMap(predictions);
    modelsRoot = modelsRoot == null ? "" : modelsRoot;
    clipSkip = clipSkip < Settings.MIN_CLIP_SKIP ? Settings.MIN_CLIP_SKIP : clipSkip;
    vae = vae == null ? "" : vae;
  }

  /** Settings with clip skip 1 and the model's own VAE (what older files hold). */
  public GenerationSettings(
      String prompt,
      String negativePrompt,
      double guidance,
      int steps,
      String seedText,
      boolean seedLocked,
      Sampler sampler,
      boolean karras,
      int width,
      int height,
      int batch,
      String modelFolder,
      PreviewMethod previewMethod,
      Map<String, String> previewDecoders,
      Map<String, String> predictions,
      String modelsRoot) {
    this(
        prompt,
        negativePrompt,
        guidance,
        steps,
        seedText,
        seedLocked,
        sampler,
        karras,
        width,
        height,
        batch,
        modelFolder,
        previewMethod,
        previewDecoders,
        predictions,
        modelsRoot,
        Settings.MIN_CLIP_SKIP,
        "");
  }

  /** Settings with no prediction chosen and the default models folder (what older files hold). */
  public GenerationSettings(
      String prompt,
      String negativePrompt,
      double guidance,
      int steps,
      String seedText,
      boolean seedLocked,
      Sampler sampler,
      boolean karras,
      int width,
      int height,
      int batch,
      String modelFolder,
      PreviewMethod previewMethod,
      Map<String, String> previewDecoders) {
    this(
        prompt,
        negativePrompt,
        guidance,
        steps,
        seedText,
        seedLocked,
        sampler,
        karras,
        width,
        height,
        batch,
        modelFolder,
        previewMethod,
        previewDecoders,
        Map.of(),
        "");
  }

  /** A sorted, unmodifiable copy without null or blank keys and values. */
  private static Map<String, String> cleanMap(Map<String, String> map) {
    Map<String, String> out = new TreeMap<>();
    if (map != null) {
      map.forEach(
          (k, v) -> {
            if (k != null && v != null && !k.isBlank() && !v.isBlank()) {
              out.put(k, v);
            }
          });
    }
    return Collections.unmodifiableMap(out);
  }

  /** Settings with Auto previews and no preview decoder chosen (what older files hold). */
  public GenerationSettings(
      String prompt,
      String negativePrompt,
      double guidance,
      int steps,
      String seedText,
      boolean seedLocked,
      Sampler sampler,
      boolean karras,
      int width,
      int height,
      int batch,
      String modelFolder) {
    this(
        prompt,
        negativePrompt,
        guidance,
        steps,
        seedText,
        seedLocked,
        sampler,
        karras,
        width,
        height,
        batch,
        modelFolder,
        PreviewMethod.AUTO,
        Map.of());
  }

  /** The key of {@code modelFolder} in {@link #previewDecoders()}: its absolute, normal path. */
  public static String modelKey(Path modelFolder) {
    return modelFolder.toAbsolutePath().normalize().toString();
  }

  /**
   * What the user said the model in {@code model} predicts, or null for the model's own guess; an
   * unknown name (a hand-edited file) also reads as null.
   */
  public PredictionType predictionFor(Path model) {
    String p = model == null ? null : predictions.get(modelKey(model));
    for (PredictionType t : PredictionType.values()) {
      if (t.configName().equals(p)) {
        return t;
      }
    }
    return null;
  }

  /** The preview decoder chosen for the model in {@code modelFolder}, or null (the model's own). */
  public Path previewDecoderFor(Path modelFolder) {
    String d = modelFolder == null ? null : previewDecoders.get(modelKey(modelFolder));
    return d == null ? null : Path.of(d);
  }

  /**
   * What a first start shows: the example prompt and {@link Settings#defaults()}, with an empty,
   * unlocked seed field (it says "random"; Generate draws a seed and shows it there).
   */
  public static GenerationSettings defaults() {
    Settings d = Settings.defaults();
    return new GenerationSettings(
        EXAMPLE_PROMPT,
        d.negativePrompt(),
        d.guidance(),
        d.steps(),
        "",
        false,
        d.sampler(),
        d.karras(),
        d.width(),
        d.height(),
        1,
        "");
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
    String problem = Settings.problem(steps, guidance, 0, width, height, clipSkip);
    if (problem != null) {
      return problem;
    }
    if (karras && !sampler.takesKarras()) {
      return "Karras sigmas work with Euler, Euler a and DPM++ 2M, not with "
          + sampler.displayName()
          + ".";
    }
    if (batch < 1 || batch > GenerationRequest.MAX_BATCH) {
      return "Batch count must be between 1 and "
          + GenerationRequest.MAX_BATCH
          + ", got "
          + batch
          + ".";
    }
    for (int side : new int[] {width, height}) {
      if (side % sizeStep != 0) {
        return "Width and height must be multiples of "
            + sizeStep
            + " between "
            + sizeStep
            + " and "
            + Settings.MAX_SIDE
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
        .guidance(guidance)
        .seed(seed)
        .sampler(sampler)
        .karras(karras)
        .size(width, height)
        .batch(batch)
        .previewSource(PreviewSource.PREDICTED_IMAGE)
        .previewMethod(previewMethod)
        .previewDecoder(previewDecoderFor(model))
        .prediction(predictionFor(model))
        .clipSkip(clipSkip)
        .vae(vae.isEmpty() ? null : Path.of(vae))
        .embeddings(embeddingsFolder())
        .loraFolder(modelsFolder().folder(ModelsFolder.Kind.LORA))
        .build();
  }

  /** The models folder these settings name (the default one when none is chosen). */
  public ModelsFolder modelsFolder() {
    return ModelsFolder.at(modelsRoot.isEmpty() ? ModelsFolder.defaultRoot() : Path.of(modelsRoot));
  }

  /** The models folder's embeddings folder, or null when it has none. */
  private Path embeddingsFolder() {
    Path f = modelsFolder().folder(ModelsFolder.Kind.EMBEDDING);
    return java.nio.file.Files.isDirectory(f) ? f : null;
  }
}
