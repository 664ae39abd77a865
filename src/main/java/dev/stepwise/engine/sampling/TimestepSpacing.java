package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Sampler;

/**
 * How inference timesteps are picked among the training timesteps (diffusers' {@code
 * timestep_spacing}; Table 2 of Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps
 * are Flawed").
 */
public enum TimestepSpacing {
  /** Multiples of {@code T // N} plus {@code steps_offset}: 981, 961, ..., 1 for SD at N=50. */
  LEADING("leading"),
  /** {@code round(T - k T / N) - 1}: 999, 979, ..., 19 at N=50; always starts at T-1. */
  TRAILING("trailing"),
  /** Evenly spaced from T-1 down to 0 (each sampler rounds differently, see {@link Timesteps}). */
  LINSPACE("linspace");

  private final String configName;

  TimestepSpacing(String configName) {
    this.configName = configName;
  }

  /** Returns the spelling used in scheduler_config.json. */
  public String configName() {
    return configName;
  }

  /**
   * The spacing diffusers' scheduler for {@code sampler} uses when its config names none: leading
   * for DDPM and DDIM (scheduling_ddpm.py, scheduling_ddim.py), linspace for the sigma-space
   * samplers (scheduling_euler_discrete.py, scheduling_dpmsolver_multistep.py).
   */
  public static TimestepSpacing defaultFor(Sampler sampler) {
    return switch (sampler) {
      case DDPM, DDIM -> LEADING;
      case EULER, EULER_A, DPMPP_2M -> LINSPACE;
    };
  }

  /** Parses a scheduler_config.json spelling; anything else is refused with the allowed names. */
  public static TimestepSpacing parse(String name) {
    for (TimestepSpacing s : values()) {
      if (s.configName.equals(name)) {
        return s;
      }
    }
    throw new EngineException(
        "timestep_spacing \"" + name + "\" is not supported; use leading, trailing or linspace.");
  }
}
