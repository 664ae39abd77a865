package dev.stepwise.engine;

/** How a live preview is turned from latents into pixels. */
public enum PreviewMethod {
  /** No preview: fastest. */
  NONE,
  /**
   * The pack's linear latent-to-RGB projection (a 4x3 matrix and a bias, fitted by least squares
   * on the autoencoder): nearly free, at latent resolution.
   */
  CHEAP,
  /** A full autoencoder decode every {@code fullDecodeEvery} steps: exact but costly. */
  FULL
}
