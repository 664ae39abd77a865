package dev.stepwise.recipe;

/**
 * How an init image of another shape becomes the image size, as AUTOMATIC1111's img2img "Resize
 * mode" (modules/images.py resize_image): every mode resamples with Lanczos.
 */
public enum ResizeMode implements NamedChoice {
  /**
   * Scales the whole image to fit inside, centred, and fills the two bands left over by stretching
   * its edge rows or columns (A1111's "Resize and fill", mode 2).
   */
  FIT("fit", "Resize and fill"),
  /** Scales the image to cover the size and crops the centre (A1111's "Crop and resize", 1). */
  FILL("fill", "Crop and resize"),
  /** Scales each side on its own, ignoring the aspect ratio (A1111's "Just resize", mode 0). */
  STRETCH("stretch", "Just resize");

  private final String cliName;
  private final String a1111Name;

  ResizeMode(String cliName, String a1111Name) {
    this.cliName = cliName;
    this.a1111Name = a1111Name;
  }

  /** The CLI spelling: fit, fill or stretch. */
  @Override
  public String cliName() {
    return cliName;
  }

  /** AUTOMATIC1111's label for the mode. */
  @Override
  public String a1111Name() {
    return a1111Name;
  }

  /** The mode with this CLI name or A1111 label (any case), or null when none has it. */
  public static ResizeMode parse(String name) {
    return NamedChoice.parse(ResizeMode.class, name);
  }
}
