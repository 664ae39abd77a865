package dev.stepwise.gallery;

import dev.stepwise.Stepwise;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.SamplerNames;
import dev.stepwise.metadata.ServerParameters;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.PictureParameters;
import dev.stepwise.recipe.RecipeFields;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that made one image: the {@link Settings} a studio control or CLI option holds, plus
 * which model, where and when. A recipe is a record of what happened, possibly in another tool, so
 * it holds values outside Stepwise's own limits (an A1111 image with 150 steps, a ComfyUI one at
 * guidance 40); reusing it in the studio brings them back within {@link Settings}'s limits.
 *
 * <p>{@code sampler} is a Stepwise CLI name ({@code ddpm}, {@code ddim}, {@code euler}, {@code
 * euler_a}, {@code dpmpp_2m}); {@code karras} selects Karras et al. (2022) sigmas. Nullable: {@code
 * modelName}, {@code modelHash}, {@code version} (such as {@code "Stepwise 0.1.0"}) and {@code
 * createdAt}. {@code durationMillis} is -1 when unknown. {@code extras} keeps keys read from other
 * tools that Stepwise has no field for; it is copied and unmodifiable.
 *
 * @param prompt the prompt, possibly several lines; never null
 * @param negativePrompt the negative prompt, empty when none; never null
 * @param modelName the model pack's name, or null
 * @param modelHash the model's short hash, or null
 * @param sampler the Stepwise sampler's CLI name
 * @param karras whether Karras sigmas were used
 * @param steps sampling steps, 1 to {@link Settings#MAX_STEPS}
 * @param guidance the guidance scale (A1111's CFG scale); finite
 * @param eta DDIM eta, 0 for deterministic; finite and not negative
 * @param seed the seed of this image
 * @param width width in pixels, at least 1
 * @param height height in pixels, at least 1
 * @param durationMillis how long the image took, or -1
 * @param version the program and version that made it, or null
 * @param createdAt when the image was made, or null
 * @param extras other keys and values, in order; never null
 * @param source the tool and part of the file another tool's recipe was read from, such as {@code
 *     "ComfyUI, KSampler node 3"}; null for Stepwise's own
 */
public record Recipe(
    String prompt,
    String negativePrompt,
    String modelName,
    String modelHash,
    String sampler,
    boolean karras,
    int steps,
    double guidance,
    double eta,
    long seed,
    int width,
    int height,
    long durationMillis,
    String version,
    Instant createdAt,
    Map<String, String> extras,
    String source) {

  /** A recipe with no {@link #source}: one Stepwise made or wrote. */
  public Recipe(
      String prompt,
      String negativePrompt,
      String modelName,
      String modelHash,
      String sampler,
      boolean karras,
      int steps,
      double guidance,
      double eta,
      long seed,
      int width,
      int height,
      long durationMillis,
      String version,
      Instant createdAt,
      Map<String, String> extras) {
    this(
        prompt,
        negativePrompt,
        modelName,
        modelHash,
        sampler,
        karras,
        steps,
        guidance,
        eta,
        seed,
        width,
        height,
        durationMillis,
        version,
        createdAt,
        extras,
        null);
  }

  /** Checks every value and copies {@code extras}. */
  public Recipe {
    if (prompt == null || negativePrompt == null) {
      throw new MetadataException("The recipe's prompt or negative prompt is missing; give text.");
    }
    SamplerNames.sampler(sampler);
    if (steps < 1 || steps > Settings.MAX_STEPS) {
      throw new MetadataException(
          "Steps " + steps + " is not allowed; use 1 to " + Settings.MAX_STEPS + ".");
    }
    if (!Double.isFinite(guidance)) {
      throw new MetadataException("Guidance " + guidance + " is not allowed; use a finite number.");
    }
    if (!Double.isFinite(eta) || eta < 0) {
      throw new MetadataException("Eta " + eta + " is not allowed; use a number of 0 or more.");
    }
    if (width < 1 || height < 1) {
      throw new MetadataException(
          "Size " + width + "x" + height + " is not allowed; width and height must be 1 or more.");
    }
    if (durationMillis < -1) {
      throw new MetadataException(
          "Duration " + durationMillis + " ms is not allowed; use -1 for unknown or 0 or more.");
    }
    extras = extras == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extras));
  }

  /**
   * The recipe of an image this Stepwise made just now from {@code s}: its own seed and size (the
   * settings may say 0 for the model's own size), DDIM's eta only where DDIM ran, this program's
   * version and the current time. The studio and the CLI both save what this returns.
   *
   * @param s the settings the image was made with
   * @param seed the image's seed ({@code s.seedOf(i)} for image i of a batch)
   * @param width the image's width in pixels
   * @param height the image's height in pixels
   * @param durationMillis how long the image took, or -1
   * @param modelName the model's name, or null
   * @param modelHash the model's short hash, or null
   */
  public static Recipe made(
      Settings s,
      long seed,
      int width,
      int height,
      long durationMillis,
      String modelName,
      String modelHash) {
    return made(s, seed, width, height, durationMillis, modelName, modelHash, Map.of());
  }

  /**
   * As {@link #made(Settings, long, int, int, long, String, String)}, with what the run added to
   * A1111's parameters ({@code VAE hash}, {@code VAE}, {@code Variation seed}, {@code Variation
   * seed strength}, {@code Denoising strength}, {@code TI hashes}, the img2img and hires keys of
   * {@link PictureParameters}) kept in {@link #extras} with {@code Clip skip} when it is above 1,
   * in A1111's order (processing.py create_infotext). A {@code Model hash} among them (what a
   * backend's server reported it ran) stands for {@code modelHash}; a backend's run also adds
   * {@code Backend} and {@code Server parameters} ({@link ServerParameters}).
   */
  public static Recipe made(
      Settings s,
      long seed,
      int width,
      int height,
      long durationMillis,
      String modelName,
      String modelHash,
      Map<String, String> runParameters) {
    Map<String, String> ex = new LinkedHashMap<>();
    for (String k :
        List.of(
            VAE_HASH,
            VAE,
            VARIATION_SEED,
            VARIATION_STRENGTH,
            PictureParameters.DENOISING_STRENGTH)) {
      if (runParameters.containsKey(k)) {
        ex.put(k, runParameters.get(k));
      }
    }
    if (s.clipSkip() > 1) {
      ex.put(CLIP_SKIP, Integer.toString(s.clipSkip())); // A1111 writes it only above 1
    }
    runParameters.forEach(ex::putIfAbsent);
    String reported = ex.remove(MODEL_HASH);
    return new Recipe(
        s.prompt(),
        s.negativePrompt(),
        modelName,
        reported != null ? reported : modelHash,
        s.sampler().cliName(),
        s.karras(),
        s.steps(),
        s.guidance(),
        s.sampler() == Sampler.DDIM ? s.eta() : 0,
        seed,
        width,
        height,
        durationMillis,
        "Stepwise " + Stepwise.version(),
        Instant.now(),
        ex);
  }

  /** A1111's key for the model's short hash (a field of the recipe, never an extra). */
  public static final String MODEL_HASH = "Model hash";

  /**
   * A1111's key for the text encoder layer counted from the end (1, the default, is not written).
   */
  public static final String CLIP_SKIP = "Clip skip";

  /** A1111's key for a separate autoencoder's file name (modules/sd_vae.py get_loaded_vae_name). */
  public static final String VAE = "VAE";

  /** A1111's key for its SHA-256's first 10 hex digits (get_loaded_vae_hash). */
  public static final String VAE_HASH = "VAE hash";

  /** A1111's keys for a variation seed and its strength, written only at a strength above 0. */
  public static final String VARIATION_SEED = "Variation seed";

  public static final String VARIATION_STRENGTH = "Variation seed strength";

  /** A1111's key for the embeddings used, {@code "name: hash, ..."} (12 hex digits each). */
  public static final String TI_HASHES = "TI hashes";

  /**
   * The clip skip this image was made with: {@code Clip skip} in {@link #extras} (where the recipe
   * JSON and A1111's text keep it), 1 when absent or not a whole number.
   */
  public int clipSkip() {
    String v = extras.get(CLIP_SKIP);
    try {
      return v == null ? 1 : Math.max(1, Integer.parseInt(v.strip()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * SDXL's original size, crop and target size this image was made with ({@link SizeConditioning}'s
   * keys); {@link SizeConditioning#DEFAULT} when none is recorded.
   */
  public SizeConditioning sizeConditioning() {
    return SizeConditioning.read(extras);
  }

  /**
   * The timestep spacing the image's run chose ({@code Timestep spacing}: leading, trailing or
   * linspace), or null for the model's own.
   */
  public String timestepSpacing() {
    return extras.get(TIMESTEP_SPACING);
  }

  /** Stepwise's key for a timestep spacing the run chose over the model's (engine Pipeline). */
  public static final String TIMESTEP_SPACING = "Timestep spacing";

  /** The variation seed in {@link #extras}, or null without one (or without a strength). */
  public Long variationSeed() {
    return variationStrength() == 0 ? null : writtenVariationSeed();
  }

  /** The variation strength in {@link #extras} as written (0 without a variation seed). */
  public double variationStrength() {
    String v = extras.get(VARIATION_STRENGTH);
    if (v == null || writtenVariationSeed() == null) {
      return 0;
    }
    try {
      double d = Double.parseDouble(v.strip());
      return Double.isFinite(d) ? d : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private Long writtenVariationSeed() {
    String v = extras.get(VARIATION_SEED);
    try {
      return v == null ? null : Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The separate autoencoder's file name ({@code VAE}), or null for the model's own. */
  public String vae() {
    return extras.get(VAE);
  }

  /**
   * The img2img choices this image was made with ({@code Denoising strength} and the mask keys, as
   * A1111 or Stepwise wrote them), or null for text to image; see {@link PictureParameters}.
   */
  public ImageSettings imageSettings() {
    return PictureParameters.imageSettings(extras);
  }

  /** The hires fix this image was made with ({@code Hires upscale} and the rest), or null. */
  public HiresSettings hires() {
    return PictureParameters.hires(extras);
  }

  /** The backend this image was made on ({@code Backend}), or null for the local engine. */
  public String backend() {
    return extras.get(ServerParameters.BACKEND);
  }

  /** The backend server's own {@code parameters} text, verbatim, or null. */
  public String serverParameters() {
    return extras.get(ServerParameters.SERVER_PARAMETERS);
  }

  /** The hash of the init image's copy in the library ({@code Init image}), or null. */
  public String initImageHash() {
    return extras.get(PictureParameters.INIT_IMAGE);
  }

  /** The hash of the mask's copy in the library ({@code Mask image}), or null. */
  public String maskHash() {
    return extras.get(PictureParameters.MASK_IMAGE);
  }

  /**
   * This recipe in the command line's JSON schema; {@code tool} is the {@link #source} or, for
   * Stepwise's own, its version.
   */
  public RecipeFields fields(String file, List<String> notices) {
    String tool = source != null ? source : version != null ? version : "Stepwise";
    return new RecipeFields(
        file,
        tool,
        prompt,
        negativePrompt,
        steps,
        sampler,
        karras,
        guidance,
        seed,
        width,
        height,
        modelName,
        modelHash,
        eta,
        clipSkip(),
        variationSeed(),
        variationStrength(),
        backend(),
        notices);
  }

  /** Returns this recipe stamped with a creation time. */
  public Recipe withCreatedAt(Instant when) {
    return new Recipe(
        prompt,
        negativePrompt,
        modelName,
        modelHash,
        sampler,
        karras,
        steps,
        guidance,
        eta,
        seed,
        width,
        height,
        durationMillis,
        version,
        when,
        extras,
        source);
  }

  /**
   * Returns the AUTOMATIC1111 view of this recipe, for the {@code parameters} chunk.
   *
   * <p>A DDIM eta above 0 is written as {@code Eta DDIM}, as A1111 writes it; extras whose keys
   * A1111 could not read back are left out, and so is a backend server's own text ({@link
   * ServerParameters#SERVER_PARAMETERS}), which the Stepwise JSON chunk keeps.
   */
  public GenerationParameters toParameters() {
    Map<String, String> ex = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : extras.entrySet()) {
      if (!GenerationParameters.FIELD_KEYS.contains(e.getKey())
          && !e.getKey().equals(ServerParameters.SERVER_PARAMETERS)
          && !e.getValue().isEmpty()
          && e.getKey().matches("\\w[\\w \\-/]+")) {
        ex.put(e.getKey(), e.getValue());
      }
    }
    if (eta > 0) {
      ex.put(ImageParameters.ETA_DDIM, Double.toString(eta));
    }
    return new GenerationParameters(
        prompt,
        negativePrompt,
        steps,
        SamplerNames.displayName(sampler),
        karras ? "Karras" : null,
        guidance,
        seed,
        width,
        height,
        modelHash,
        modelName,
        version,
        ex);
  }
}
