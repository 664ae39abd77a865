package dev.stepwise.engine.sampling;

/**
 * A model that knows the clean latent x0 and the noise eps and answers with the exact eps (or exact
 * v) for any input on the path {@code z = alpha x0 + sigma eps}.
 *
 * <p>For v it recovers (alpha, sigma) of the input by least squares on {@code z = alpha x0 + sigma
 * eps} (two unknowns, many equations), so it needs no knowledge of the sampler's schedule, and
 * returns {@code v = alpha eps - sigma x0} (Salimans and Ho 2022).
 */
final class TrueNoiseOracle implements ModelFunction {
  final float[] x0;
  final float[] eps;
  final PredictionType type;
  int calls;

  TrueNoiseOracle(float[] x0, float[] eps, PredictionType type) {
    this.x0 = x0;
    this.eps = eps;
    this.type = type;
  }

  @Override
  public float[] predict(float[] z, double timestep) {
    calls++;
    if (type == PredictionType.EPSILON) {
      return eps.clone();
    }
    double xx = 0;
    double xe = 0;
    double ee = 0;
    double zx = 0;
    double ze = 0;
    for (int k = 0; k < z.length; k++) {
      xx += (double) x0[k] * x0[k];
      xe += (double) x0[k] * eps[k];
      ee += (double) eps[k] * eps[k];
      zx += (double) z[k] * x0[k];
      ze += (double) z[k] * eps[k];
    }
    double det = xx * ee - xe * xe;
    double alpha = (zx * ee - ze * xe) / det;
    double sigma = (ze * xx - zx * xe) / det;
    float[] v = new float[z.length];
    for (int k = 0; k < z.length; k++) {
      v[k] = (float) (alpha * eps[k] - sigma * x0[k]);
    }
    return v;
  }
}
