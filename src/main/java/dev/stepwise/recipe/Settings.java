package dev.stepwise.recipe;

/**
 * What fixes one image, whichever front end asks for it: the studio's controls, a CLI command, a
 * saved recipe reused. With the same model, settings and thread count the pixels are identical. The
 * limits below are the only ones; this record's constructor is the one place they are checked.
 *
 * <p><b>Guidance convention.</b> {@code guidance} is diffusers' {@code guidance_scale} and
 * AUTOMATIC1111's "CFG scale" s: eps = eps_uncond + s (eps_cond - eps_uncond). Ho &amp; Salimans
 * (2022) write the same thing with a weight w = s - 1. At s &lt;= 1 the unconditional pass is
 * skipped (diffusers' {@code do_classifier_free_guidance}).
 *
 * @param prompt the prompt; empty means unconditional; never null (null reads as empty)
 * @param negativePrompt replaces the empty prompt as the unconditional input; empty for none
 * @param sampler the sampling algorithm (null reads as DDIM)
 * @param karras whether to use Karras et al. (2022) sigmas
 * @param eta DDIM's eta (0 = deterministic), 0 to 1; ignored by other samplers
 * @param steps sampler steps, 1 to {@link #MAX_STEPS} (the model's schedule may allow fewer)
 * @param guidance classifier-free guidance scale s, {@link #MIN_GUIDANCE} to {@link #MAX_GUIDANCE}
 * @param seed the 64-bit seed of the image (image {@code i} of a batch uses {@code seed + i})
 * @param width image width in pixels, {@link #MIN_SIDE} to {@link #MAX_SIDE}, or 0 for the model's
 *     own size (the model also needs a multiple of its autoencoder's factor, 8 for SD)
 * @param height image height in pixels, likewise
 * @param clipSkip AUTOMATIC1111's "Clip skip": the text encoder's hidden state this many layers
 *     from the end (1 = the last layer), {@link #MIN_CLIP_SKIP} to {@link #MAX_CLIP_SKIP}; SD 2.x
 *     models ignore it, as A1111 does
 * @param variationSeed AUTOMATIC1111's "Variation seed": the seed of the noise the image's own
 *     noise is moved towards (image {@code i} of a batch uses {@code variationSeed + i}); unused at
 *     strength 0
 * @param variationStrength AUTOMATIC1111's "Variation seed strength", 0 to 1: 0 is the seed's own
 *     image, 1 the variation seed's noise (engine/random/VariationNoise)
 */
public record Settings(
    String prompt,
    String negativePrompt,
    Sampler sampler,
    boolean karras,
    double eta,
    int steps,
    double guidance,
    long seed,
    int width,
    int height,
    int clipSkip,
    long variationSeed,
    double variationStrength) {

  /**
   * The smallest guidance scale. At 0, as at 1, the prompt's prediction is used alone and no
   * unconditional pass runs (diffusers; SDXL-Turbo and Lightning use 0).
   */
  public static final double MIN_GUIDANCE = 0;

  /** The largest guidance scale (AUTOMATIC1111's slider stops here too). */
  public static final double MAX_GUIDANCE = 30;

  /** The guidance scale a first start and a plain CLI call use. */
  public static final double DEFAULT_GUIDANCE = 5;

  /** The step count a first start and a plain CLI call use. */
  public static final int DEFAULT_STEPS = 20;

  /** The most steps any recipe may ask for (a model's schedule, usually 1000 long, may refuse). */
  public static final int MAX_STEPS = 10_000;

  /** The smallest image side in pixels (one latent pixel at SD's factor 8). */
  public static final int MIN_SIDE = 8;

  /** The largest side, in pixels, a request may ask for (memory is checked separately). */
  public static final int MAX_SIDE = 4096;

  /** The smallest clip skip: 1 is the text encoder's last layer. */
  public static final int MIN_CLIP_SKIP = 1;

  /** The largest clip skip (a CLIP ViT-L text encoder has 12 layers). */
  public static final int MAX_CLIP_SKIP = 12;

  /** Fills null texts and sampler with defaults, then checks every value. */
  public Settings {
    prompt = prompt == null ? "" : prompt;
    negativePrompt = negativePrompt == null ? "" : negativePrompt;
    sampler = sampler == null ? Sampler.DDIM : sampler;
    String problem = problem(steps, guidance, eta, width, height, clipSkip);
    if (problem == null) {
      problem = variationProblem(variationStrength);
    }
    if (problem != null) {
      throw new RecipeException(problem);
    }
  }

  /** Settings with no variation seed (strength 0). */
  public Settings(
      String prompt,
      String negativePrompt,
      Sampler sampler,
      boolean karras,
      double eta,
      int steps,
      double guidance,
      long seed,
      int width,
      int height,
      int clipSkip) {
    this(
        prompt,
        negativePrompt,
        sampler,
        karras,
        eta,
        steps,
        guidance,
        seed,
        width,
        height,
        clipSkip,
        0,
        0);
  }

  /** Settings with clip skip 1 (the text encoder's last layer). */
  public Settings(
      String prompt,
      String negativePrompt,
      Sampler sampler,
      boolean karras,
      double eta,
      int steps,
      double guidance,
      long seed,
      int width,
      int height) {
    this(
        prompt,
        negativePrompt,
        sampler,
        karras,
        eta,
        steps,
        guidance,
        seed,
        width,
        height,
        MIN_CLIP_SKIP);
  }

  /** As {@link #problem(int, double, double, int, int, int)} with clip skip 1. */
  public static String problem(int steps, double guidance, double eta, int width, int height) {
    return problem(steps, guidance, eta, width, height, MIN_CLIP_SKIP);
  }

  /**
   * The first value outside the limits, as one sentence naming it and what is allowed, or null when
   * all are fine: what a form shows before it builds a {@link Settings}.
   */
  public static String problem(
      int steps, double guidance, double eta, int width, int height, int clipSkip) {
    if (steps < 1 || steps > MAX_STEPS) {
      return "Steps must be between 1 and " + MAX_STEPS + ", got " + steps + ".";
    }
    if (!(guidance >= MIN_GUIDANCE && guidance <= MAX_GUIDANCE)) { // NaN fails both
      return "Guidance scale must be between 0 and 30, got " + guidance + ".";
    }
    if (!(eta >= 0 && eta <= 1)) {
      return "Eta must be between 0 and 1, got " + eta + ".";
    }
    if (!validSide(width) || !validSide(height)) {
      return "Image size must be between "
          + MIN_SIDE
          + " and "
          + MAX_SIDE
          + " pixels a side (or 0 for the model's own size), got "
          + width
          + "x"
          + height
          + ".";
    }
    if (clipSkip < MIN_CLIP_SKIP || clipSkip > MAX_CLIP_SKIP) {
      return "Clip skip must be between "
          + MIN_CLIP_SKIP
          + " and "
          + MAX_CLIP_SKIP
          + ", got "
          + clipSkip
          + ".";
    }
    return null;
  }

  /** The sentence for a variation strength outside 0 to 1, else null. */
  public static String variationProblem(double strength) {
    if (!(strength >= 0 && strength <= 1)) { // NaN fails both
      return "Variation strength must be between 0 and 1, got " + strength + ".";
    }
    return null;
  }

  private static boolean validSide(int side) {
    return side == 0 || (side >= MIN_SIDE && side <= MAX_SIDE);
  }

  /**
   * Image {@code i}'s seed: {@code seed + i}, or {@code seed} when the variation strength is above
   * 0 (A1111's processing.py process_images_inner: the variation seeds count up instead).
   */
  public long seedOf(int i) {
    return variationStrength > 0 ? seed : seed + i;
  }

  /** Image {@code i}'s variation seed, {@code variationSeed + i} as A1111. */
  public long variationSeedOf(int i) {
    return variationSeed + i;
  }

  /** These settings with a variation seed and strength. */
  public Settings withVariation(long vSeed, double strength) {
    return new Settings(
        prompt,
        negativePrompt,
        sampler,
        karras,
        eta,
        steps,
        guidance,
        seed,
        width,
        height,
        clipSkip,
        vSeed,
        strength);
  }

  /** These settings with another size (the pipeline resolves a size of 0 to the model's own). */
  public Settings withSize(int w, int h) {
    return new Settings(
        prompt,
        negativePrompt,
        sampler,
        karras,
        eta,
        steps,
        guidance,
        seed,
        w,
        h,
        clipSkip,
        variationSeed,
        variationStrength);
  }

  /** These settings with another clip skip. */
  public Settings withClipSkip(int n) {
    return new Settings(
        prompt,
        negativePrompt,
        sampler,
        karras,
        eta,
        steps,
        guidance,
        seed,
        width,
        height,
        n,
        variationSeed,
        variationStrength);
  }

  /** Stepwise's defaults: no prompt, 20 DDIM steps, guidance 5, seed 0, the model's own size. */
  public static Settings defaults() {
    return new Settings("", "", Sampler.DDIM, false, 0, DEFAULT_STEPS, DEFAULT_GUIDANCE, 0, 0, 0);
  }
}
