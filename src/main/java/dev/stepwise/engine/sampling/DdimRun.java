package dev.stepwise.engine.sampling;

import dev.stepwise.engine.random.NoiseSource;

/**
 * DDIM (Song et al. 2021, eq. 12), as scheduling_ddim.py {@code step} without clipping.
 *
 * <p>With {@code a = abar_t} and {@code a' = abar_prev}: {@code sigma = eta sqrt((1 - a') / (1 -
 * a)) sqrt(1 - a / a')} (eq. 16) and {@code x_prev = sqrt(a') x0 + sqrt(1 - a' - sigma^2) eps +
 * sigma z}. The previous timestep is the next one in the timestep list; after the last step it is
 * "final": {@code a' = 1} when set_alpha_to_one, else {@code abar_0} (so the run then ends on the
 * noise level of timestep 0, as diffusers' does). diffusers computes the previous timestep as
 * {@code t - T // N}; that is the same list for leading spacing and for trailing spacing when N
 * divides T, and differs by one now and then for linspace, where Stepwise follows the list (the
 * sub-sequence tau of the paper). With eta > 0 noise is drawn at every step, as upstream.
 */
final class DdimRun extends SamplingRun {
  private final int[] ts; // [N]
  private final double finalAlphaCumprod;
  private final double eta;

  DdimRun(
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

  private DdimRun(
      int[] ts,
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      Latents noise,
      NoiseSource stepNoise) {
    super(schedule, cfg.predictionType(), toDouble(ts), noise, 1.0, s.eta() > 0 ? stepNoise : null);
    this.ts = ts;
    this.finalAlphaCumprod = cfg.setAlphaToOne() ? 1.0 : schedule.alphaCumprod(0);
    this.eta = s.eta();
  }

  static double[] toDouble(int[] ts) {
    double[] d = new double[ts.length];
    for (int i = 0; i < ts.length; i++) {
      d[i] = ts[i];
    }
    return d;
  }

  @Override
  protected double sigmaOfStep(int i) {
    double a = i < ts.length ? schedule.alphaCumprod(ts[i]) : finalAlphaCumprod;
    return Math.sqrt((1 - a) / a);
  }

  @Override
  protected float[] advance(int i, float[] x, float[] out, float[] x0, float[] eps) {
    double a = schedule.alphaCumprod(ts[i]);
    double aPrev = i + 1 < ts.length ? schedule.alphaCumprod(ts[i + 1]) : finalAlphaCumprod;
    double[] x0d = new double[x.length]; // [B, C, H, W]
    double[] epsd = new double[x.length]; // [B, C, H, W]
    VpMath.predict(prediction, x, out, a, x0d, epsd, x0, eps);
    double sigma = eta * Math.sqrt((1 - aPrev) / (1 - a)) * Math.sqrt(1 - a / aPrev);
    double dir = Math.sqrt(Math.max(0.0, 1 - aPrev - sigma * sigma));
    double c0 = Math.sqrt(aPrev);
    float[] z = eta > 0 ? drawNoise(x.length) : null; // [B, C, H, W]
    float[] next = new float[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      double v = c0 * x0d[k] + dir * epsd[k];
      if (z != null) {
        v += sigma * z[k];
      }
      next[k] = (float) v;
    }
    return next;
  }
}
