package dev.stepwise.engine.sampling;

import dev.stepwise.engine.random.NoiseSource;

/**
 * DDIM (Song et al. 2021, eq. 12), as scheduling_ddim.py {@code step} without clipping.
 *
 * <p>With {@code a = abar_t} and {@code a' = abar_prev}: {@code sigma = eta sqrt((1 - a') / (1 -
 * a)) sqrt(1 - a / a')} (eq. 16) and {@code x_prev = sqrt(a') x0 + sqrt(1 - a' - sigma^2) eps +
 * sigma z}. As in diffusers, the previous timestep is {@code t - T // N} whatever the spacing, and
 * when that is negative {@code a'} is the "final" value: 1 when set_alpha_to_one, else {@code
 * abar_0} (the run then ends on the noise level of timestep 0). For leading spacing, and for
 * trailing spacing when N divides T, {@code t - T // N} is the next timestep of the list; for
 * linspace and other trailing counts it can differ from it by a few timesteps, so the state the
 * next step starts from sits at a slightly different noise level than the timestep the model is
 * told; Stepwise keeps this upstream behaviour so that runs match diffusers. With eta > 0 noise is
 * drawn at every step, as upstream.
 */
final class DdimRun extends SamplingRun {
  private final int[] ts; // [N]
  private final double finalAlphaCumprod;
  private final double eta;
  private final int stride;

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
    this.stride = cfg.numTrainTimesteps() / s.steps();
  }

  /** Returns {@code abar} of the timestep step {@code i} lands on, {@code t_i - T // N}. */
  private double alphaCumprodAfter(int i) {
    int prev = ts[i] - stride;
    return prev >= 0 ? schedule.alphaCumprod(prev) : finalAlphaCumprod;
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
    // the level the model is told (timestep t_i); after the last step, where the run lands
    double a = i < ts.length ? schedule.alphaCumprod(ts[i]) : alphaCumprodAfter(ts.length - 1);
    return Math.sqrt((1 - a) / a);
  }

  @Override
  protected float[] advance(int i, float[] x, float[] out, float[] x0, float[] eps) {
    double a = schedule.alphaCumprod(ts[i]);
    double aPrev = alphaCumprodAfter(i);
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
