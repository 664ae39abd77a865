package dev.stepwise.recipe;

/**
 * What the masked area starts from before it is noised, as AUTOMATIC1111's "Masked content"
 * (modules/processing.py StableDiffusionProcessingImg2Img.init, inpainting_fill).
 */
public enum MaskedContent implements NamedChoice {
  /** The init image as it is (A1111's "original", inpainting_fill 1; not written to the PNG). */
  KEEP("keep", "original"),
  /**
   * The masked area painted with the blurred colours around it before encoding (A1111's "fill",
   * masking.fill).
   */
  FILL("fill", "fill"),
  /**
   * The masked area's latents replaced by the seed's noise (A1111's "latent noise", which draws
   * them with the image's seed, the same draw as the initial noise).
   */
  NOISE("noise", "latent noise");

  private final String cliName;
  private final String a1111Name;

  MaskedContent(String cliName, String a1111Name) {
    this.cliName = cliName;
    this.a1111Name = a1111Name;
  }

  /** The CLI spelling: keep, fill or noise. */
  @Override
  public String cliName() {
    return cliName;
  }

  /** AUTOMATIC1111's value of {@code Masked content}. */
  @Override
  public String a1111Name() {
    return a1111Name;
  }

  /** The choice with this CLI name or A1111 value (any case), or null when none has it. */
  public static MaskedContent parse(String name) {
    return NamedChoice.parse(MaskedContent.class, name);
  }
}
