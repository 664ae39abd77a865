package dev.stepwise.engine.sampling;

import dev.stepwise.engine.random.NoiseSource;

/**
 * Euler ancestral with eta 1, as scheduling_euler_ancestral_discrete.py {@code step} (k-diffusion
 * sample_euler_ancestral, get_ancestral_step).
 *
 * <p>Each step splits the move from sigma to sigma_next into a deterministic Euler step down to
 * {@code sigma_down} and fresh noise of size {@code sigma_up}: {@code sigma_up = sqrt(sn^2 (s^2 -
 * sn^2) / s^2)}, {@code sigma_down = sqrt(sn^2 - sigma_up^2)}, so {@code sigma_down^2 + sigma_up^2
 * = sn^2}; then {@code x = x + d (sigma_down - s) + z sigma_up}. Noise is drawn at every step
 * (including the last, where sigma_up is 0), as upstream does, so the stream stays aligned with
 * diffusers. Sigmas, timesteps and model input are Euler's ({@link EulerSchedule}).
 */
final class EulerAncestralRun extends SamplingRun {
  private final double[] sigmas; // [N+1]

  EulerAncestralRun(
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      TimestepSpacing spacing,
      Latents noise,
      NoiseSource stepNoise) {
    this(EulerSchedule.build(schedule, cfg, s, spacing), schedule, cfg, noise, stepNoise);
  }

  private EulerAncestralRun(
      EulerSchedule e,
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      Latents noise,
      NoiseSource stepNoise) {
    super(schedule, cfg.predictionType(), e.timesteps(), noise, e.initNoiseSigma(), stepNoise);
    this.sigmas = e.sigmas();
  }

  /** Returns {@code {sigma_up, sigma_down}} for a step from {@code sigma} to {@code sigmaNext}. */
  static double[] ancestralSplit(double sigma, double sigmaNext) {
    double up =
        Math.sqrt(
            sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma));
    double down = Math.sqrt(sigmaNext * sigmaNext - up * up);
    return new double[] {up, down};
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
    double[] split = ancestralSplit(sigma, sigmas[i + 1]);
    double up = split[0];
    double dt = split[1] - sigma;
    double[] x0d = VeMath.predict(prediction, x, out, sigma, x0, eps); // [B, C, H, W]
    float[] z = drawNoise(x.length); // [B, C, H, W]
    float[] next = new float[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      double d = (x[k] - x0d[k]) / sigma;
      next[k] = (float) (x[k] + d * dt + z[k] * up);
    }
    return next;
  }
}
