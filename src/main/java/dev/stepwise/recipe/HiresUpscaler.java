package dev.stepwise.recipe;

import java.util.Locale;

/**
 * How the hires fix enlarges the first pass, with AUTOMATIC1111's {@code Hires upscaler} names
 * (modules/shared_items.py latent_upscale_modes; the Lanczos upscaler of modules/upscaler.py).
 */
public enum HiresUpscaler {
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
  public String cliName() {
    return cliName;
  }

  /** AUTOMATIC1111's name, the value of {@code Hires upscaler}. */
  public String a1111Name() {
    return a1111Name;
  }

  /** Whether the latents are resized (no decode and encode in between). */
  public boolean inLatentSpace() {
    return this != LANCZOS;
  }

  /** The upscaler with this CLI name or A1111 name (any case), or null when none has it. */
  public static HiresUpscaler parse(String name) {
    if (name == null) {
      return null;
    }
    String n = name.strip().toLowerCase(Locale.ROOT);
    for (HiresUpscaler u : values()) {
      if (u.cliName.equals(n) || u.a1111Name.toLowerCase(Locale.ROOT).equals(n)) {
        return u;
      }
    }
    return null;
  }
}
