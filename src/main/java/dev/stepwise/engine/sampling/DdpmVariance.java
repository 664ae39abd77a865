package dev.stepwise.engine.sampling;

/** The variance of the noise DDPM adds at each step (Ho et al. 2020, sec. 3.2). */
public enum DdpmVariance {
  /** {@code sigma_t^2 = beta_t}, Algorithm 2's choice and Stepwise's default ("fixed_large"). */
  FIXED_LARGE,
  /**
   * The posterior variance {@code (1 - abar_prev) / (1 - abar_t) * beta_t} ("fixed_small",
   * diffusers' default), clamped below at 1e-20 as upstream.
   */
  FIXED_SMALL
}
