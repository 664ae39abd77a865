package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Sampler;

/**
 * What the user chose for one sampling run.
 *
 * @param kind the algorithm
 * @param steps the number of model evaluations (checked against num_train_timesteps at start)
 * @param karras whether to space sigmas as Karras et al. 2022 (rho 7); Euler, Euler a and DPM++ 2M
 *     only. DDPM and DDIM step over integer training timesteps with their own alpha-bar recursion,
 *     which Karras sigmas would have to be rounded into, so Stepwise refuses that combination
 *     instead of silently changing the schedule.
 * @param spacingOrNull the timestep spacing, or null for the config's, or else the sampler's
 *     default
 * @param eta DDIM's stochasticity in [0, 1] (0 deterministic, 1 DDPM-like); must be 0 for other
 *     samplers
 * @param ddpmVariance DDPM's noise variance (ignored by other samplers)
 */
public record SamplerSettings(
    Sampler kind,
    int steps,
    boolean karras,
    TimestepSpacing spacingOrNull,
    double eta,
    DdpmVariance ddpmVariance) {

  /** Validates the combination; a bad value is an {@link EngineException} naming it. */
  public SamplerSettings {
    if (kind == null) {
      throw new EngineException("A sampler must be chosen.");
    }
    if (steps < 1) {
      throw new EngineException("steps must be at least 1, got " + steps);
    }
    if (karras && (kind == Sampler.DDPM || kind == Sampler.DDIM)) {
      throw new EngineException(
          "Karras sigmas work with euler, euler_a and dpmpp_2m, not with " + kind.cliName() + ".");
    }
    if (!(eta >= 0 && eta <= 1)) {
      throw new EngineException("eta must be between 0 and 1, got " + eta + ".");
    }
    if (eta != 0 && kind != Sampler.DDIM) {
      throw new EngineException(
          "eta applies only to ddim, got eta " + eta + " with " + kind.cliName() + ".");
    }
    if (ddpmVariance == null) {
      throw new EngineException("The DDPM variance must be fixed_large or fixed_small.");
    }
  }

  /** Returns {@code kind} with {@code steps}, no Karras sigmas, default spacing, eta 0, beta_t. */
  public static SamplerSettings defaults(Sampler kind, int steps) {
    return new SamplerSettings(kind, steps, false, null, 0.0, DdpmVariance.FIXED_LARGE);
  }
}
