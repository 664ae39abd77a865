package dev.stepwise.engine;

/** Which per-step tensor a live preview shows. */
public enum PreviewSource {
  /** The sampler's estimate of the clean latent, x0: the picture as it will probably end up. */
  PREDICTED_IMAGE,
  /** The noisy latent x_t the sampler carries from step to step. */
  NOISY_LATENT,
  /** The network's estimate of the noise, epsilon. */
  PREDICTED_NOISE
}
