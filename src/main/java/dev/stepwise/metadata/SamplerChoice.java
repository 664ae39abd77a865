package dev.stepwise.metadata;

/**
 * The Stepwise sampler chosen for a sampler name read from an image or typed by a user.
 *
 * @param cliName one of {@code ddpm}, {@code ddim}, {@code euler}, {@code euler_a}, {@code
 *     dpmpp_2m}
 * @param karras whether the name asked for the Karras sigma schedule
 * @param notice one sentence telling the user what was substituted, or null when the name maps
 *     exactly
 */
public record SamplerChoice(String cliName, boolean karras, String notice) {

  /** Checks that {@code cliName} is one of Stepwise's five sampler names. */
  public SamplerChoice {
    SamplerNames.sampler(cliName);
  }

  /** Returns whether the name mapped to a Stepwise sampler and schedule without substitution. */
  public boolean exact() {
    return notice == null;
  }
}
