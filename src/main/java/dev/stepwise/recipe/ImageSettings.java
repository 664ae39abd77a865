package dev.stepwise.recipe;

/**
 * The choices of a run that starts from a picture (img2img, inpainting, outpainting), apart from
 * the pictures themselves; checked once, here, as {@link Settings} checks its own.
 *
 * @param strength AUTOMATIC1111's "Denoising strength", 0 to 1: how far along the noise schedule
 *     the init image is pushed before sampling (0 gives the autoencoder's round trip back, 1 starts
 *     at the first timestep, which still keeps a little of the image)
 * @param resize how an image of another shape becomes the image size (null reads as {@link
 *     ResizeMode#FILL})
 * @param maskBlur the mask's Gaussian blur in pixels, 0 to {@link #MAX_MASK_BLUR} (A1111's "Mask
 *     blur"); 0 keeps every pixel outside the mask exactly
 * @param maskedContent what the masked area starts from (null reads as {@link MaskedContent#KEEP})
 * @param outpaint borders to add before the run, or null for none
 */
public record ImageSettings(
    double strength,
    ResizeMode resize,
    int maskBlur,
    MaskedContent maskedContent,
    Outpaint outpaint) {

  /** The strength a plain img2img uses (AUTOMATIC1111's default too). */
  public static final double DEFAULT_STRENGTH = 0.75;

  /** The largest mask blur (A1111's slider stops here too). */
  public static final int MAX_MASK_BLUR = 64;

  /** Fills defaults, then checks every value. */
  public ImageSettings {
    resize = resize == null ? ResizeMode.FILL : resize;
    maskedContent = maskedContent == null ? MaskedContent.KEEP : maskedContent;
    if (outpaint != null && !outpaint.any()) {
      outpaint = null;
    }
    String problem = problem(strength, maskBlur);
    if (problem != null) {
      throw new RecipeException(problem);
    }
  }

  /** Plain img2img at {@code strength}: fill resizing, no mask blur, keep, no outpainting. */
  public static ImageSettings of(double strength) {
    return new ImageSettings(strength, ResizeMode.FILL, 0, MaskedContent.KEEP, null);
  }

  /** The first value outside the limits as one sentence, or null when both are fine. */
  public static String problem(double strength, int maskBlur) {
    if (!(strength >= 0 && strength <= 1)) { // NaN fails both
      return "Denoising strength must be between 0 and 1, got " + strength + ".";
    }
    if (maskBlur < 0 || maskBlur > MAX_MASK_BLUR) {
      return "Mask blur must be between 0 and " + MAX_MASK_BLUR + " pixels, got " + maskBlur + ".";
    }
    return null;
  }
}
