package dev.stepwise.engine.sampling;

/**
 * The timesteps and sigmas Euler and Euler a step through, built as scheduling_euler_discrete.py
 * {@code set_timesteps} builds them (interpolation "linear", no churn, final sigma 0).
 *
 * <p>Without Karras: {@code sigma_i = np.interp(t_i, arange(T), sigmas)} at the (possibly
 * fractional) timesteps, stored as float32. With Karras: rho-7 sigmas between the first and last of
 * those interpolated sigmas, and timesteps {@code _sigma_to_t(sigma_i)} stored as float32. A final
 * sigma 0 is appended. {@code init_noise_sigma} is the largest sigma for linspace and trailing
 * spacing and {@code sqrt(sigma_max^2 + 1)} for leading, as upstream.
 *
 * @param timesteps N model timesteps // [N]
 * @param sigmas N + 1 sigmas, the last 0 // [N+1]
 */
record EulerSchedule(double[] timesteps, double[] sigmas, double initNoiseSigma) {

  static EulerSchedule build(
      NoiseSchedule schedule, SchedulerConfig cfg, SamplerSettings s, TimestepSpacing spacing) {
    int n = s.steps();
    double[] ts = Timesteps.euler(spacing, n, cfg.numTrainTimesteps(), cfg.stepsOffset()); // [N]
    double[] sig = new double[n + 1]; // [N+1]
    for (int i = 0; i < n; i++) {
      sig[i] = schedule.sigmaAt(ts[i]); // float64 np.interp result
    }
    if (s.karras()) {
      double[] k = NoiseSchedule.karrasSigmas(n, sig[n - 1], sig[0]); // in_sigmas[-1], in_sigmas[0]
      for (int i = 0; i < n; i++) {
        sig[i] = k[i];
        ts[i] = (float) schedule.timestepForSigma(k[i]);
      }
    }
    double max = 0;
    for (int i = 0; i < n; i++) {
      sig[i] = (float) sig[i]; // .astype(np.float32)
      max = Math.max(max, sig[i]);
    }
    sig[n] = 0.0;
    double init = spacing == TimestepSpacing.LEADING ? Math.sqrt(max * max + 1) : max;
    return new EulerSchedule(ts, sig, init);
  }
}
