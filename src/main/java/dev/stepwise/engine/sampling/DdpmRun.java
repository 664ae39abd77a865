package dev.stepwise.engine.sampling;

import dev.stepwise.engine.random.NoiseSource;

/**
 * Ancestral DDPM sampling, Ho et al. 2020 Algorithm 2, in the strided form of scheduling_ddpm.py
 * {@code step} (no clipping).
 *
 * <p>With {@code a = abar_t}, {@code a' = abar_prev} (1 after the last step), {@code alpha_t = a /
 * a'} and {@code beta_t = 1 - alpha_t} (the strided beta; with all T steps it is the trained beta):
 * {@code mean = sqrt(a') beta_t / (1 - a) x0 + sqrt(alpha_t) (1 - a') / (1 - a) x_t} (posterior
 * mean, eq. 7), which for eps-prediction equals Algorithm 2's {@code (x_t - beta_t / sqrt(1 - a)
 * eps) / sqrt(alpha_t)}. Then {@code x_prev = mean + sigma_t z} with {@code sigma_t^2 = beta_t}
 * (fixed_large, Algorithm 2) or the posterior variance {@code (1 - a') / (1 - a) beta_t}
 * (fixed_small). As in Algorithm 2, the last step adds no noise and returns the mean, which is x0
 * itself; diffusers instead adds noise whenever t > 0, which with steps_offset 1 would add {@code
 * sqrt(beta_t) z} to the final image under fixed_large (a negligible 1e-10 z under fixed_small).
 */
final class DdpmRun extends SamplingRun {
  private final int[] ts; // [N]
  private final DdpmVariance variance;

  DdpmRun(
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      TimestepSpacing spacing,
      Latents noise,
      NoiseSource stepNoise) {
    this(
        Timesteps.ddim(spacing, s.steps(), cfg.numTrainTimesteps(), cfg.stepsOffset()),
        schedule,
        cfg,
        s,
        noise,
        stepNoise);
  }

  private DdpmRun(
      int[] ts,
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      Latents noise,
      NoiseSource stepNoise) {
    super(schedule, cfg.predictionType(), DdimRun.toDouble(ts), noise, 1.0, stepNoise);
    this.ts = ts;
    this.variance = s.ddpmVariance();
  }

  /** Returns {@code {alpha_t, beta_t, variance}} of step {@code i} (strided, as diffusers). */
  double[] coefficients(int i) {
    double a = schedule.alphaCumprod(ts[i]);
    double aPrev = i + 1 < ts.length ? schedule.alphaCumprod(ts[i + 1]) : 1.0;
    double alphaT = a / aPrev;
    double betaT = 1 - alphaT;
    double var =
        variance == DdpmVariance.FIXED_LARGE
            ? betaT
            : Math.max((1 - aPrev) / (1 - a) * betaT, 1e-20);
    return new double[] {alphaT, betaT, var};
  }

  @Override
  protected double sigmaOfStep(int i) {
    if (i == ts.length) {
      return 0.0; // the last step returns x0
    }
    double a = schedule.alphaCumprod(ts[i]);
    return Math.sqrt((1 - a) / a);
  }

  @Override
  protected float[] advance(int i, float[] x, float[] out, float[] x0, float[] eps) {
    double a = schedule.alphaCumprod(ts[i]);
    double aPrev = i + 1 < ts.length ? schedule.alphaCumprod(ts[i + 1]) : 1.0;
    double[] c = coefficients(i);
    double alphaT = c[0];
    double betaT = c[1];
    double[] x0d = new double[x.length]; // [B, C, H, W]
    double[] epsd = new double[x.length]; // [B, C, H, W]
    VpMath.predict(prediction, x, out, a, x0d, epsd, x0, eps);
    double cx0 = Math.sqrt(aPrev) * betaT / (1 - a);
    double cxt = Math.sqrt(alphaT) * (1 - aPrev) / (1 - a);
    boolean last = i == ts.length - 1;
    float[] z = last ? null : drawNoise(x.length); // [B, C, H, W]
    double sd = Math.sqrt(c[2]);
    float[] next = new float[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      double mean = cx0 * x0d[k] + cxt * x[k];
      next[k] = (float) (last ? mean : mean + sd * z[k]);
    }
    return next;
  }
}
