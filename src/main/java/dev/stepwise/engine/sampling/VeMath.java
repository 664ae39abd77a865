package dev.stepwise.engine.sampling;

/**
 * Shared per-element formulas of the sigma-space (variance-exploding) samplers, whose state is
 * {@code x = x0 + sigma eps}, i.e. the VP latent times {@code sqrt(sigma^2 + 1)}.
 */
final class VeMath {
  private VeMath() {}

  /** Returns {@code x / sqrt(sigma^2 + 1)}, the VP latent the network expects. */
  static float[] modelInput(float[] x, double sigma) {
    double scale = 1.0 / Math.sqrt(sigma * sigma + 1);
    float[] in = new float[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      in[k] = (float) (x[k] * scale);
    }
    return in;
  }

  /**
   * Fills x0 and eps from the model output: eps-prediction gives {@code x0 = x - sigma eps}; v
   * gives {@code x0 = -v sigma / sqrt(sigma^2 + 1) + x / (sigma^2 + 1)}
   * (scheduling_euler_discrete.py) and {@code eps = alpha v + sqrt(1 - alpha^2) x_vp} with {@code
   * alpha = 1 / sqrt(sigma^2 + 1)} and {@code x_vp = alpha x} (Salimans and Ho 2022, sec. 4).
   * Returns x0 in double for the update; {@code x0} and {@code eps} receive the float32 copies for
   * the step result.
   */
  static double[] predict(
      PredictionType type, float[] x, float[] out, double sigma, float[] x0, float[] eps) {
    double[] x0d = new double[x.length]; // [B, C, H, W]
    double s2 = sigma * sigma + 1;
    double alpha = 1.0 / Math.sqrt(s2);
    double sigmaVp = sigma * alpha;
    for (int k = 0; k < x.length; k++) {
      if (type == PredictionType.EPSILON) {
        x0d[k] = x[k] - sigma * out[k];
        eps[k] = out[k];
      } else {
        x0d[k] = out[k] * (-sigma / Math.sqrt(s2)) + x[k] / s2;
        eps[k] = (float) (alpha * out[k] + sigmaVp * (x[k] * alpha));
      }
      x0[k] = (float) x0d[k];
    }
    return x0d;
  }
}
