package dev.stepwise.recipe;

/**
 * How the hires fix enlarges the first pass, with AUTOMATIC1111's {@code Hires upscaler} names
 * (modules/shared_items.py latent_upscale_modes; the Lanczos upscaler of modules/upscaler.py).
 */
public enum HiresUpscaler implements NamedChoice {
  /** Decode, resize the 8-bit image with Lanczos (PIL's LANCZOS), encode again. */
  LANCZOS("lanczos", "Lanczos"),
  /**
   * Resize the latents bilinearly (torch interpolate, align_corners False, no antialias): A1111's
   * "Latent".
   */
  LATENT("latent", "Latent"),
  /** Resize the latents by nearest neighbour: A1111's "Latent (nearest)". */
  LATENT_NEAREST("latent-nearest", "Latent (nearest)");

  private final String cliName;
  private final String a1111Name;

  HiresUpscaler(String cliName, String a1111Name) {
    this.cliName = cliName;
    this.a1111Name = a1111Name;
  }

  /** The CLI spelling: lanczos, latent or latent-nearest. */
  @Override
  public String cliName() {
    return cliName;
  }

  /** AUTOMATIC1111's name, the value of {@code Hires upscaler}. */
  @Override
  public String a1111Name() {
    return a1111Name;
  }

  /** Whether the latents are resized (no decode and encode in between). */
  public boolean inLatentSpace() {
    return this != LANCZOS;
  }

  /** The upscaler with this CLI name or A1111 name (any case), or null when none has it. */
  public static HiresUpscaler parse(String name) {
    return NamedChoice.parse(HiresUpscaler.class, name);
  }
}
