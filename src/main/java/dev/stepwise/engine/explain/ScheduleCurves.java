package dev.stepwise.engine.explain;

import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SchedulerConfig;

/**
 * The training schedule's alpha-bar and signal-to-noise curves over every training timestep, for
 * plotting.
 *
 * <p>{@code abar_t} is the cumulative product of {@code 1 - beta} (Ho et al. 2020, notation above
 * eq. 4), taken from {@link NoiseSchedule} so the curves are exactly the values the samplers use.
 * The signal-to-noise ratio of {@code x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps} is {@code
 * SNR(t) = abar_t / (1 - abar_t)} (Kingma et al. 2021, "Variational Diffusion Models", eq. 1 and
 * section 3.2), which equals {@code 1 / sigma_t^2} in the sigma parametrisation of Karras et al.
 * 2022. It spans many decades, so it is reported as {@code log10 SNR}.
 */
public final class ScheduleCurves {
  private final NoiseSchedule schedule;
  private final double[] alphaBar; // [T]
  private final double[] log10Snr; // [T]

  private ScheduleCurves(NoiseSchedule schedule) {
    this.schedule = schedule;
    int t = schedule.size();
    alphaBar = schedule.alphasCumprod(); // [T]
    log10Snr = new double[t]; // [T]
    for (int i = 0; i < t; i++) {
      log10Snr[i] = log10Snr(alphaBar[i]);
    }
  }

  /** Builds the curves of the schedule {@code config} describes. */
  public static ScheduleCurves of(SchedulerConfig config) {
    return new ScheduleCurves(NoiseSchedule.of(config));
  }

  /** Builds the curves of an existing schedule. */
  public static ScheduleCurves of(NoiseSchedule schedule) {
    return new ScheduleCurves(schedule);
  }

  /** Returns {@code log10(abar / (1 - abar))}; +infinity at abar 1 and -infinity at abar 0. */
  public static double log10Snr(double alphaBar) {
    return Math.log10(alphaBar) - Math.log10(1.0 - alphaBar);
  }

  /** Returns the schedule the curves come from. */
  public NoiseSchedule schedule() {
    return schedule;
  }

  /** Returns the number of training timesteps T. */
  public int size() {
    return alphaBar.length;
  }

  /** Returns {@code abar_t} of training timestep {@code t}. */
  public double alphaBar(int t) {
    return alphaBar[t];
  }

  /** Returns {@code log10 SNR(t)} of training timestep {@code t}. */
  public double log10Snr(int t) {
    return log10Snr[t];
  }

  /**
   * Returns {@code abar} at a fractional timestep (Euler-type samplers), interpolated through the
   * schedule's sigma at that timestep: {@code abar = 1 / (1 + sigma(t)^2)}, the relation {@code
   * sigma = sqrt((1 - abar) / abar)} solved for abar (Karras et al. 2022, table 1, VP column).
   */
  public double alphaBarAt(double t) {
    double s = schedule.sigmaAt(t);
    return 1.0 / (1.0 + s * s);
  }
}
