package dev.stepwise.recipe;

/**
 * AUTOMATIC1111's "Hires. fix" (modules/processing.py StableDiffusionProcessingTxt2Img): make the
 * image at its size, enlarge it by {@code scale}, then run img2img on the enlarged one.
 *
 * @param scale the enlargement, {@link #MIN_SCALE} to {@link #MAX_SCALE} ({@code Hires upscale});
 *     the enlarged sides are rounded down to the autoencoder's multiple
 * @param steps the second pass's steps, 0 (the default) for as many as the first pass ({@code Hires
 *     steps}, written only when not 0); as in A1111 these are the steps that run: the schedule is
 *     {@code int(steps / min(strength, 0.999))} long and its last {@code steps} run
 * @param strength the second pass's denoising strength, 0 to 1 ({@code Denoising strength})
 * @param upscaler how the first pass is enlarged (null reads as {@link HiresUpscaler#LATENT},
 *     A1111's default)
 */
public record HiresSettings(double scale, int steps, double strength, HiresUpscaler upscaler) {
  /** The smallest enlargement. */
  public static final double MIN_SCALE = 1;

  /** The largest enlargement (A1111's slider stops here too). */
  public static final double MAX_SCALE = 4;

  /** The second pass's strength when none is given (A1111's default, 0.7 in its interface). */
  public static final double DEFAULT_STRENGTH = 0.7;

  /** Fills the default upscaler, then checks every value. */
  public HiresSettings {
    upscaler = upscaler == null ? HiresUpscaler.LATENT : upscaler;
    if (!(scale >= MIN_SCALE && scale <= MAX_SCALE)) {
      throw new RecipeException("Hires upscale must be between 1 and 4, got " + scale + ".");
    }
    if (steps < 0 || steps > Settings.MAX_STEPS) {
      throw new RecipeException(
          "Hires steps must be between 0 (as many as the first pass) and "
              + Settings.MAX_STEPS
              + ", got "
              + steps
              + ".");
    }
    if (!(strength >= 0 && strength <= 1)) {
      throw new RecipeException(
          "Hires denoising strength must be between 0 and 1, got " + strength + ".");
    }
  }

  /** The second pass's steps for a first pass of {@code firstPassSteps}. */
  public int stepsAfter(int firstPassSteps) {
    return steps == 0 ? firstPassSteps : steps;
  }
}
