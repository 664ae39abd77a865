package dev.stepwise.recipe;

import java.util.ArrayList;
import java.util.List;

/**
 * The sampling algorithms Stepwise offers, with their CLI and AUTOMATIC1111-style names. The engine
 * implements them (engine/sampling); names other tools use map onto these in {@code
 * metadata.SamplerNames}.
 */
public enum Sampler {
  /** Ancestral DDPM, Ho et al. 2020 Algorithm 2 (scheduling_ddpm.py). */
  DDPM("ddpm", "DDPM"),
  /** DDIM, Song et al. 2021 eq. 12, deterministic at eta 0 (scheduling_ddim.py). */
  DDIM("ddim", "DDIM"),
  /**
   * Euler in sigma space, Karras et al. 2022 Algorithm 2 without churn
   * (scheduling_euler_discrete.py).
   */
  EULER("euler", "Euler"),
  /**
   * Euler ancestral, eta 1 (scheduling_euler_ancestral_discrete.py, k-diffusion
   * sample_euler_ancestral).
   */
  EULER_A("euler_a", "Euler a"),
  /** DPM-Solver++(2M), Lu et al. 2022 Algorithm 2, midpoint (scheduling_dpmsolver_multistep.py). */
  DPMPP_2M("dpmpp_2m", "DPM++ 2M");

  private final String cliName;
  private final String displayName;

  Sampler(String cliName, String displayName) {
    this.cliName = cliName;
    this.displayName = displayName;
  }

  /** Returns the CLI spelling, e.g. "euler_a". */
  public String cliName() {
    return cliName;
  }

  /** Returns the AUTOMATIC1111-style label, e.g. "Euler a". */
  public String displayName() {
    return displayName;
  }

  /** Returns whether Karras et al. (2022) sigmas apply: only the sigma-space samplers take them. */
  public boolean takesKarras() {
    return this == EULER || this == EULER_A || this == DPMPP_2M;
  }

  /** Every CLI name, in the enum's order. */
  public static List<String> cliNames() {
    List<String> names = new ArrayList<>();
    for (Sampler s : values()) {
      names.add(s.cliName);
    }
    return List.copyOf(names);
  }

  /** The CLI names as a sentence lists them: "ddpm, ddim, euler, euler_a or dpmpp_2m". */
  public static String cliNameList() {
    List<String> names = cliNames();
    return String.join(", ", names.subList(0, names.size() - 1))
        + " or "
        + names.get(names.size() - 1);
  }

  /** Returns the sampler with this exact CLI name, or null when there is none. */
  public static Sampler ofCliName(String name) {
    for (Sampler s : values()) {
      if (s.cliName.equals(name)) {
        return s;
      }
    }
    return null;
  }

  /**
   * Parses a CLI name or a display name, ignoring case and surrounding spaces; anything else is
   * refused with the list of allowed names.
   */
  public static Sampler parse(String name) {
    String n = name == null ? "" : name.trim();
    for (Sampler s : values()) {
      if (s.cliName.equalsIgnoreCase(n) || s.displayName.equalsIgnoreCase(n)) {
        return s;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (Sampler s : values()) {
      if (allowed.length() > 0) {
        allowed.append(", ");
      }
      allowed.append(s.cliName).append(" (\"").append(s.displayName).append("\")");
    }
    throw new RecipeException(
        "Unknown sampler \"" + (name == null ? "" : name) + "\"; use one of " + allowed + ".");
  }
}
