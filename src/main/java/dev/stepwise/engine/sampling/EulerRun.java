package dev.stepwise.engine.sampling;

/**
 * Euler's method on the probability-flow ODE in sigma (variance-exploding) space, as
 * scheduling_euler_discrete.py {@code step} with {@code s_churn = 0} (Karras et al. 2022, Algorithm
 * 2 without the stochastic part; k-diffusion sample_euler).
 *
 * <p>State {@code x = x0 + sigma eps}. Per step: model input {@code x / sqrt(sigma^2 + 1)} at the
 * (fractional) timestep; {@code x0 = x - sigma eps} (eps-prediction) or {@code x0 = -v sigma /
 * sqrt(sigma^2 + 1) + x / (sigma^2 + 1)} (v-prediction); derivative {@code d = (x - x0) / sigma};
 * {@code x_next = x + d (sigma_next - sigma)}. With the true noise the update lands exactly on
 * {@code x0 + sigma_next eps}. Arithmetic is in double per element, stored as float32.
 */
final class EulerRun extends SamplingRun {
  private final double[] sigmas; // [N+1]

  EulerRun(
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      TimestepSpacing spacing,
      Latents noise) {
    this(EulerSchedule.build(schedule, cfg, s, spacing), schedule, cfg, noise);
  }

  private EulerRun(EulerSchedule e, NoiseSchedule schedule, SchedulerConfig cfg, Latents noise) {
    super(schedule, cfg.predictionType(), e.timesteps(), noise, e.initNoiseSigma(), null);
    this.sigmas = e.sigmas();
  }

  @Override
  protected float[] modelInput(float[] x, int i) {
    return VeMath.modelInput(x, sigmas[i]);
  }

  @Override
  protected boolean varianceExploding() {
    return true;
  }

  @Override
  protected double sigmaOfStep(int i) {
    return sigmas[i];
  }

  @Override
  protected float[] advance(int i, float[] x, float[] out, float[] x0, float[] eps) {
    double sigma = sigmas[i];
    double dt = sigmas[i + 1] - sigma;
    double[] x0d = VeMath.predict(prediction, x, out, sigma, x0, eps); // [B, C, H, W]
    float[] next = new float[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      double d = (x[k] - x0d[k]) / sigma; // dx/dsigma of the probability-flow ODE
      next[k] = (float) (x[k] + d * dt);
    }
    return next;
  }
}
