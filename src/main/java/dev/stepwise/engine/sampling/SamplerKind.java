package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;

/** The sampling algorithms Stepwise offers, with their CLI and AUTOMATIC1111-style names. */
public enum SamplerKind {
  /** Ancestral DDPM, Ho et al. 2020 Algorithm 2 (scheduling_ddpm.py). */
  DDPM("ddpm", "DDPM", TimestepSpacing.LEADING),
  /** DDIM, Song et al. 2021 eq. 12, deterministic at eta 0 (scheduling_ddim.py). */
  DDIM("ddim", "DDIM", TimestepSpacing.LEADING),
  /**
   * Euler in sigma space, Karras et al. 2022 Algorithm 2 without churn
   * (scheduling_euler_discrete.py).
   */
  EULER("euler", "Euler", TimestepSpacing.LINSPACE),
  /**
   * Euler ancestral, eta 1 (scheduling_euler_ancestral_discrete.py, k-diffusion
   * sample_euler_ancestral).
   */
  EULER_A("euler_a", "Euler a", TimestepSpacing.LINSPACE),
  /** DPM-Solver++(2M), Lu et al. 2022 Algorithm 2, midpoint (scheduling_dpmsolver_multistep.py). */
  DPMPP_2M("dpmpp_2m", "DPM++ 2M", TimestepSpacing.LINSPACE);

  private final String cliName;
  private final String displayName;
  private final TimestepSpacing defaultSpacing;

  SamplerKind(String cliName, String displayName, TimestepSpacing defaultSpacing) {
    this.cliName = cliName;
    this.displayName = displayName;
    this.defaultSpacing = defaultSpacing;
  }

  /** Returns the CLI spelling, e.g. "euler_a". */
  public String cliName() {
    return cliName;
  }

  /** Returns the AUTOMATIC1111-style label, e.g. "Euler a". */
  public String displayName() {
    return displayName;
  }

  /** Returns the spacing the diffusers scheduler uses when the config names none. */
  public TimestepSpacing defaultSpacing() {
    return defaultSpacing;
  }

  /**
   * Parses a CLI name or a display name, ignoring case and surrounding spaces; anything else is
   * refused with the list of allowed names.
   */
  public static SamplerKind parse(String name) {
    String n = name == null ? "" : name.trim();
    for (SamplerKind k : values()) {
      if (k.cliName.equalsIgnoreCase(n) || k.displayName.equalsIgnoreCase(n)) {
        return k;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (SamplerKind k : values()) {
      if (allowed.length() > 0) {
        allowed.append(", ");
      }
      allowed.append(k.cliName).append(" (\"").append(k.displayName).append("\")");
    }
    throw new EngineException(
        "Unknown sampler \"" + (name == null ? "" : name) + "\"; use one of " + allowed + ".");
  }
}
