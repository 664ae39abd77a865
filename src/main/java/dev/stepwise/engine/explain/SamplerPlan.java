package dev.stepwise.engine.explain;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.sampling.DdpmVariance;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SamplerSettings;
import dev.stepwise.engine.sampling.SamplingRun;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.recipe.Sampler;

/**
 * The timesteps and noise levels one sampler visits for a given step count, as the real sampling
 * run picks them.
 *
 * <p>The plan is read off a {@link SamplingRun} started on a 1x1x1 dummy latent, so it is the
 * engine's own schedule (spacing, steps_offset, Karras sigmas) rather than a second copy of it.
 * {@code sigmas[i]} is the VP-equivalent level {@code sqrt((1 - abar) / abar)} that step {@code i}
 * starts from ({@link SamplingRun#sigmaBefore}); {@code sigmas[N]} is the level the run ends on.
 *
 * @param kind the sampler
 * @param karras whether Karras sigmas are used (always false for DDPM and DDIM)
 * @param timesteps the model timestep of each step, descending // [N]
 * @param sigmas the noise level before each step and after the last // [N+1]
 */
public record SamplerPlan(Sampler kind, boolean karras, double[] timesteps, double[] sigmas) {

  /** Copies the arrays in. */
  public SamplerPlan {
    timesteps = timesteps.clone();
    sigmas = sigmas.clone();
  }

  /**
   * Builds the plan of {@code kind} with {@code steps} steps. Karras spacing is dropped for DDPM
   * and DDIM, which the engine refuses to combine with it.
   *
   * @throws EngineException when {@code steps} is outside 1..T or the spacing cannot give that many
   *     steps
   */
  public static SamplerPlan of(SchedulerConfig config, Sampler kind, boolean karras, int steps) {
    if (config == null || kind == null) {
      throw new EngineException("A sampler plan needs a scheduler config and a sampler.");
    }
    boolean useKarras = karras && kind != Sampler.DDPM && kind != Sampler.DDIM;
    SamplerSettings settings =
        new SamplerSettings(kind, steps, useKarras, null, 0.0, DdpmVariance.FIXED_LARGE);
    NoiseSchedule schedule = NoiseSchedule.of(config);
    Latents dummy = new Latents(new float[1], 1, 1, 1, 1); // [1, 1, 1, 1]
    SamplingRun run = SamplingRun.start(schedule, config, settings, dummy, n -> new float[n]);
    double[] ts = run.timesteps(); // [N]
    double[] sig = new double[ts.length + 1]; // [N+1]
    for (int i = 0; i <= ts.length; i++) {
      sig[i] = run.sigmaBefore(i);
    }
    return new SamplerPlan(kind, useKarras, ts, sig);
  }

  /** Returns the number of steps N. */
  public int steps() {
    return timesteps.length;
  }

  /** Returns a copy of the timesteps. */
  @Override
  public double[] timesteps() {
    return timesteps.clone();
  }

  /** Returns a copy of the noise levels. */
  @Override
  public double[] sigmas() {
    return sigmas.clone();
  }

  /** Returns the model timestep of step {@code i}, i in [0, N). */
  public double timestep(int i) {
    return timesteps[i];
  }

  /** Returns the noise level before step {@code i}, i in [0, N]. */
  public double sigma(int i) {
    return sigmas[i];
  }

  /** Returns {@code abar = 1 / (1 + sigma^2)} before step {@code i}, i in [0, N]. */
  public double alphaBar(int i) {
    double s = sigmas[i];
    return 1.0 / (1.0 + s * s);
  }
}
