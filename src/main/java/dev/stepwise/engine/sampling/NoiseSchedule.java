package dev.stepwise.engine.sampling;

/**
 * The training noise schedule: betas, cumulative alphas and the matching sigmas, computed with the
 * same float32 steps diffusers takes, plus the two interpolations samplers need.
 *
 * <p>Precision follows upstream (schedulers/scheduling_ddim.py {@code __init__} and friends):
 *
 * <ul>
 *   <li>betas are float32: {@code linear} is {@code torch.linspace(b0, b1, T, float32)}, {@code
 *       scaled_linear} is {@code linspace(sqrt(b0), sqrt(b1), T, float32)} squared in float32 (see
 *       {@link TorchLinspace}), {@code squaredcos_cap_v2} and {@code trained_betas} are computed in
 *       double and rounded to float32 as {@code torch.tensor(..., float32)} does;
 *   <li>{@code alphas = 1 - betas} in float32, and {@code alphas_cumprod = torch.cumprod(alphas)},
 *       which on the CPU accumulates in double (acc_type of float) and rounds each running product
 *       to float32; {@link #alphaCumprod(int)} returns those float32 values widened to double;
 *   <li>sigmas are {@code ((1 - abar) / abar) ** 0.5} in float32, as Euler and DPM++ build them.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class NoiseSchedule {
  private final SchedulerConfig config;
  private final float[] betas; // [T]
  private final double[] alphasCumprod; // [T], float32 values
  private final double[] sigmas; // [T], float32 values
  private final double[] logSigmas; // [T], log of the float32 sigmas, rounded to float32

  private NoiseSchedule(SchedulerConfig config) {
    this.config = config;
    int t = config.numTrainTimesteps();
    this.betas = betas(config);
    this.alphasCumprod = new double[t];
    this.sigmas = new double[t];
    this.logSigmas = new double[t];
    double running = 1.0; // torch.cumprod on CPU: double accumulator, float32 stores
    for (int i = 0; i < t; i++) {
      float alpha = 1.0f - betas[i];
      running *= alpha;
      float abar = (float) running;
      alphasCumprod[i] = abar;
      float sigma = (float) StrictMath.sqrt((1.0f - abar) / abar); // float32 ops, as torch
      sigmas[i] = sigma;
      logSigmas[i] = (float) StrictMath.log(sigma); // np.log of a float32 array stays float32
    }
  }

  /** Builds the schedule a config describes. */
  public static NoiseSchedule of(SchedulerConfig config) {
    return new NoiseSchedule(config);
  }

  private static float[] betas(SchedulerConfig c) {
    int t = c.numTrainTimesteps();
    double[] trained = c.trainedBetasOrNull();
    float[] b = new float[t]; // [T]
    if (trained != null) {
      for (int i = 0; i < t; i++) {
        b[i] = (float) trained[i];
      }
      return b;
    }
    switch (c.betaSchedule()) {
      case LINEAR -> b = TorchLinspace.float32(c.betaStart(), c.betaEnd(), t);
      case SCALED_LINEAR -> {
        float[] root =
            TorchLinspace.float32(StrictMath.sqrt(c.betaStart()), StrictMath.sqrt(c.betaEnd()), t);
        for (int i = 0; i < t; i++) {
          b[i] = root[i] * root[i];
        }
      }
      case SQUAREDCOS_CAP_V2 -> {
        // Nichol and Dhariwal 2021 eq. 17: abar(t) = cos^2(((t + s)/(1 + s)) pi/2), s = 0.008;
        // beta_i = min(1 - abar((i+1)/T) / abar(i/T), 0.999) (diffusers betas_for_alpha_bar).
        for (int i = 0; i < t; i++) {
          double ratio = cosineAlphaBar((i + 1) / (double) t) / cosineAlphaBar(i / (double) t);
          b[i] = (float) Math.min(1.0 - ratio, 0.999);
        }
      }
      default -> throw new IllegalStateException("Unreachable.");
    }
    return b;
  }

  private static double cosineAlphaBar(double t) {
    double c = StrictMath.cos((t + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  /** Returns the config this schedule was built from. */
  public SchedulerConfig config() {
    return config;
  }

  /** Returns the number of training timesteps T. */
  public int size() {
    return betas.length;
  }

  /** Returns the float32 beta of training timestep {@code t}. */
  public float beta(int t) {
    return betas[t];
  }

  /** Returns {@code abar_t}, the cumulative product of {@code 1 - beta} up to {@code t}. */
  public double alphaCumprod(int t) {
    return alphasCumprod[t];
  }

  /** Returns a copy of all {@code abar_t}. */
  public double[] alphasCumprod() {
    return alphasCumprod.clone();
  }

  /**
   * Returns {@code sigma_t = sqrt((1 - abar_t) / abar_t)} (float32 value) of timestep {@code t}.
   */
  public double sigma(int t) {
    return sigmas[t];
  }

  /** Returns a copy of all training sigmas, increasing with t. */
  public double[] sigmas() {
    return sigmas.clone();
  }

  /** Returns the smallest training sigma, {@code sigma_0}. */
  public double sigmaMin() {
    return sigmas[0];
  }

  /** Returns the largest training sigma, {@code sigma_{T-1}}. */
  public double sigmaMax() {
    return sigmas[sigmas.length - 1];
  }

  /**
   * Returns sigma at a fractional timestep by linear interpolation between the neighbouring
   * training sigmas, clamped at both ends ({@code np.interp(t, arange(T), sigmas)}, as
   * scheduling_euler_discrete.py set_timesteps uses it).
   */
  public double sigmaAt(double t) {
    int last = sigmas.length - 1;
    if (!(t > 0)) {
      return sigmas[0];
    }
    if (t >= last) {
      return sigmas[last];
    }
    int j = (int) Math.floor(t);
    if (t == j) {
      return sigmas[j];
    }
    double slope = sigmas[j + 1] - sigmas[j]; // (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]), xp step 1
    return slope * (t - j) + sigmas[j];
  }

  /**
   * Returns the fractional timestep whose sigma is {@code sigma}, interpolating linearly in
   * log-sigma between training timesteps and clamping to [0, T-1] (diffusers {@code _sigma_to_t}).
   */
  public double timestepForSigma(double sigma) {
    double logSigma = StrictMath.log(Math.max(sigma, 1e-10));
    int low = 0;
    for (int i = 0; i < logSigmas.length; i++) {
      if (logSigma - logSigmas[i] >= 0) {
        low = i; // last index whose log-sigma is not above ours (sigmas increase with t)
      }
    }
    low = Math.min(low, logSigmas.length - 2);
    int high = low + 1;
    double w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]);
    w = Math.max(0.0, Math.min(1.0, w));
    return (1 - w) * low + w * high;
  }

  /**
   * Returns {@code n} sigmas spaced as in Karras et al. 2022 eq. 5 with rho = 7, from {@code
   * sigmaMax} down to {@code sigmaMin} (no trailing zero); diffusers {@code _convert_to_karras}.
   */
  public static double[] karrasSigmas(int n, double sigmaMin, double sigmaMax) {
    double rho = 7.0;
    double minInvRho = StrictMath.pow(sigmaMin, 1 / rho);
    double maxInvRho = StrictMath.pow(sigmaMax, 1 / rho);
    double[] out = new double[n]; // [n]
    for (int i = 0; i < n; i++) {
      double ramp = n == 1 ? 0.0 : (i == n - 1 ? 1.0 : i * (1.0 / (n - 1))); // np.linspace(0, 1, n)
      out[i] = StrictMath.pow(maxInvRho + ramp * (minInvRho - maxInvRho), rho);
    }
    return out;
  }
}
