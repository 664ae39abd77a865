package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;

/** How the training betas are laid out over the timesteps (diffusers' {@code beta_schedule}). */
public enum BetaSchedule {
  /** {@code linspace(beta_start, beta_end, T)} in float32. */
  LINEAR("linear"),
  /** {@code linspace(sqrt(beta_start), sqrt(beta_end), T)^2} in float32; Stable Diffusion's. */
  SCALED_LINEAR("scaled_linear"),
  /** The cosine schedule of Nichol and Dhariwal (2021), eq. 17, with betas capped at 0.999. */
  SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

  private final String configName;

  BetaSchedule(String configName) {
    this.configName = configName;
  }

  /** Returns the spelling used in scheduler_config.json. */
  public String configName() {
    return configName;
  }

  /** Parses a scheduler_config.json spelling; anything else is refused with the allowed names. */
  public static BetaSchedule parse(String name) {
    for (BetaSchedule b : values()) {
      if (b.configName.equals(name)) {
        return b;
      }
    }
    throw new EngineException(
        "beta_schedule \""
            + name
            + "\" is not supported; use linear, scaled_linear or squaredcos_cap_v2.");
  }
}
