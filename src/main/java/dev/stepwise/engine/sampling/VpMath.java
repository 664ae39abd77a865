package dev.stepwise.engine.sampling;

/**
 * Shared per-element formulas of the variance-preserving samplers (DDPM, DDIM), whose state is
 * {@code x_t = sqrt(abar) x0 + sqrt(1 - abar) eps}.
 */
final class VpMath {
  private VpMath() {}

  /**
   * Fills x0 and eps (double for the update, float32 copies for the step result) from the model
   * output at cumulative alpha {@code abar}: eps-prediction gives {@code x0 = (x - sqrt(1-abar)
   * eps) / sqrt(abar)} (Ho et al. 2020 eq. 15); v-prediction gives {@code x0 = sqrt(abar) x -
   * sqrt(1-abar) v} and {@code eps = sqrt(abar) v + sqrt(1-abar) x} (Salimans and Ho 2022, sec. 4;
   * scheduling_ddim.py step).
   */
  static void predict(
      PredictionType type,
      float[] x,
      float[] out,
      double abar,
      double[] x0d,
      double[] epsd,
      float[] x0,
      float[] eps) {
    double a = Math.sqrt(abar);
    double b = Math.sqrt(1 - abar);
    for (int k = 0; k < x.length; k++) {
      if (type == PredictionType.EPSILON) {
        epsd[k] = out[k];
        x0d[k] = (x[k] - b * out[k]) / a;
      } else {
        x0d[k] = a * x[k] - b * out[k];
        epsd[k] = a * out[k] + b * x[k];
      }
      x0[k] = (float) x0d[k];
      eps[k] = (float) epsd[k];
    }
  }
}
