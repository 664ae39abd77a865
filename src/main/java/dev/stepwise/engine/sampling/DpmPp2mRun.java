package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;

/**
 * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2, data prediction, midpoint), as
 * scheduling_dpmsolver_multistep.py with algorithm_type dpmsolver++, solver_order 2, solver_type
 * midpoint, lower_order_final true and final_sigmas_type zero.
 *
 * <p>The state is the VP latent, unscaled (init_noise_sigma 1, identity model input). For sigma
 * {@code s}: {@code alpha = 1 / sqrt(s^2 + 1)}, {@code sig = s alpha}, {@code lambda = ln alpha -
 * ln sig}. The model output becomes the data prediction {@code m = (x - sig eps) / alpha} (or
 * {@code alpha x - sig v}). The first step and the last step (whose target sigma is 0) are first
 * order: {@code x' = (sig_t / sig_s) x - alpha_t (e^{-h} - 1) m0} with {@code h = lambda_t -
 * lambda_s}; the others are second order with {@code r0 = h_0 / h}, {@code D1 = (m0 - m1) / r0}:
 * {@code x' = (sig_t / sig_s) x - alpha_t (e^{-h} - 1) (m0 + D1 / 2)}. At the final sigma 0, h is
 * +infinity, {@code e^{-h} - 1 = -1} and the step returns m0 exactly. All of this is double; the
 * previous data prediction is the run's only extra state.
 *
 * <p>Sigmas: {@code sigma(t_i)} at the integer timesteps, or with Karras the rho-7 sigmas between
 * the training {@code sigma_0} and {@code sigma_{T-1}} with timesteps {@code round(_sigma_to_t)}
 * (truncated instead for squaredcos_cap_v2, as upstream casts to int64 without rounding), all
 * stored as float32 with a final 0.
 */
final class DpmPp2mRun extends SamplingRun {
  private final double[] sigmas; // [N+1]
  private double[] previousX0; // [B, C, H, W], m_{i-1}

  private record Plan(double[] timesteps, double[] sigmas) {}

  DpmPp2mRun(
      NoiseSchedule schedule,
      SchedulerConfig cfg,
      SamplerSettings s,
      TimestepSpacing spacing,
      Latents noise) {
    this(plan(schedule, cfg, s, spacing), schedule, cfg, noise);
  }

  private DpmPp2mRun(Plan p, NoiseSchedule schedule, SchedulerConfig cfg, Latents noise) {
    super(schedule, cfg.predictionType(), p.timesteps(), noise, 1.0, null);
    this.sigmas = p.sigmas();
  }

  private static Plan plan(
      NoiseSchedule schedule, SchedulerConfig cfg, SamplerSettings s, TimestepSpacing spacing) {
    int n = s.steps();
    int[] ts = Timesteps.dpmSolver(spacing, n, cfg.numTrainTimesteps(), cfg.stepsOffset());
    double[] t = DdimRun.toDouble(ts); // [N]
    double[] sig = new double[n + 1]; // [N+1]
    if (s.karras()) {
      double[] k = NoiseSchedule.karrasSigmas(n, schedule.sigmaMin(), schedule.sigmaMax());
      boolean round = cfg.betaSchedule() != BetaSchedule.SQUAREDCOS_CAP_V2;
      for (int i = 0; i < n; i++) {
        sig[i] = k[i];
        double ti = schedule.timestepForSigma(k[i]);
        t[i] = round ? Math.rint(ti) : Math.floor(ti);
      }
    } else {
      for (int i = 0; i < n; i++) {
        sig[i] = schedule.sigmaAt(t[i]);
      }
    }
    for (int i = 0; i < n; i++) {
      sig[i] = (float) sig[i];
      if (i > 0 && !(sig[i] < sig[i - 1])) {
        // equal sigmas make h = 0 and the second-order ratio 0/0
        throw new EngineException(
            "dpmpp_2m with "
                + spacing.configName()
                + " spacing and "
                + n
                + " steps repeats timestep "
                + (long) t[i]
                + "; use fewer steps or another spacing.");
      }
    }
    sig[n] = 0.0;
    return new Plan(t, sig);
  }

  @Override
  protected double sigmaOfStep(int i) {
    return sigmas[i];
  }

  @Override
  protected float[] advance(int i, float[] x, float[] out, float[] x0, float[] eps) {
    double sS = sigmas[i];
    double sT = sigmas[i + 1];
    double alphaS = 1 / Math.sqrt(sS * sS + 1);
    double sigS = sS * alphaS;
    double alphaT = 1 / Math.sqrt(sT * sT + 1);
    double sigT = sT * alphaT;
    double lambdaS = StrictMath.log(alphaS) - StrictMath.log(sigS);
    double lambdaT = StrictMath.log(alphaT) - StrictMath.log(sigT); // +infinity when sT = 0
    double h = lambdaT - lambdaS;
    double[] m = new double[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      if (prediction == PredictionType.EPSILON) {
        m[k] = (x[k] - sigS * out[k]) / alphaS;
        eps[k] = out[k];
      } else {
        m[k] = alphaS * x[k] - sigS * out[k];
        eps[k] = (float) (alphaS * out[k] + sigS * x[k]);
      }
      x0[k] = (float) m[k];
    }
    boolean firstOrder = i == 0 || i == totalSteps() - 1 || previousX0 == null;
    double ratio = sT == 0 ? 0.0 : sigT / sigS; // 0 * x, also when x is huge
    double phi = alphaT * StrictMath.expm1(-h); // alpha_t (e^{-h} - 1)
    double halfD1Scale = 0;
    if (!firstOrder) {
      double sPrev = sigmas[i - 1];
      double alphaPrev = 1 / Math.sqrt(sPrev * sPrev + 1);
      double lambdaPrev = StrictMath.log(alphaPrev) - StrictMath.log(sPrev * alphaPrev);
      double r0 = (lambdaS - lambdaPrev) / h;
      halfD1Scale = 0.5 / r0;
    }
    float[] next = new float[x.length]; // [B, C, H, W]
    for (int k = 0; k < x.length; k++) {
      double d = m[k];
      if (!firstOrder) {
        d += halfD1Scale * (m[k] - previousX0[k]); // D0 + D1 / 2, D1 = (m0 - m1) / r0
      }
      next[k] = (float) (ratio * x[k] - phi * d);
    }
    previousX0 = m;
    return next;
  }
}
