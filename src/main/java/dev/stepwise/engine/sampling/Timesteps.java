package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;

/**
 * The inference timesteps each sampler picks for {@code N} steps, following that sampler's
 * diffusers {@code set_timesteps} exactly (T = num_train_timesteps).
 *
 * <ul>
 *   <li>DDPM and DDIM (scheduling_ddpm.py, scheduling_ddim.py): leading = {@code arange(N) * (T //
 *       N)} reversed plus steps_offset; trailing = {@code round(arange(T, 0, -T/N)) - 1}; linspace
 *       = {@code round(linspace(0, T-1, N))} reversed. Integers.
 *   <li>Euler and Euler a (scheduling_euler_discrete.py, ..._ancestral_discrete.py): the same
 *       leading and trailing values, but linspace keeps the float32 values {@code linspace(0, T-1,
 *       N)} unrounded (999, 978.61224, ...).
 *   <li>DPM++ (scheduling_dpmsolver_multistep.py): linspace takes N+1 points, rounds and drops the
 *       last (999, 979, ..., 20 for N=50); leading uses {@code T // (N+1)} and N+1 points, drops
 *       the last and adds steps_offset; trailing is as above.
 * </ul>
 *
 * <p>Rounding is numpy's (half to even, {@link Math#rint}); float ranges are built as numpy builds
 * them ({@code start + i * delta}). One deliberate difference: numpy's {@code arange(T, 0, -T/N)}
 * yields N+1 values for some N (61, 103, ... for T=1000) because the last point lands a hair above
 * 0, which gives diffusers an extra timestep -1; Stepwise always takes exactly N points.
 */
public final class Timesteps {
  private Timesteps() {}

  /** Refuses step counts outside [1, T] with the sentence the CLI shows. */
  public static void checkSteps(int steps, int numTrainTimesteps) {
    if (steps < 1 || steps > numTrainTimesteps) {
      throw new EngineException(
          "steps must be between 1 and " + numTrainTimesteps + ", got " + steps);
    }
  }

  /** Returns DDPM/DDIM timesteps, descending. */
  public static int[] ddim(TimestepSpacing spacing, int steps, int t, int stepsOffset) {
    checkSteps(steps, t);
    int[] out = new int[steps];
    switch (spacing) {
      case LEADING -> {
        int ratio = t / steps;
        for (int i = 0; i < steps; i++) {
          out[i] = (steps - 1 - i) * ratio + stepsOffset;
        }
      }
      case TRAILING -> out = trailing(steps, t);
      case LINSPACE -> {
        double[] lin = linspace(0, t - 1, steps);
        for (int i = 0; i < steps; i++) {
          out[i] = (int) Math.rint(lin[steps - 1 - i]);
        }
      }
      default -> throw new IllegalStateException("Unreachable.");
    }
    return checkRange(out, t, spacing, steps);
  }

  /** Returns Euler / Euler a timesteps, descending, as float32 values widened to double. */
  public static double[] euler(TimestepSpacing spacing, int steps, int t, int stepsOffset) {
    checkSteps(steps, t);
    double[] out = new double[steps];
    if (spacing == TimestepSpacing.LINSPACE) {
      double[] lin = linspace(0, t - 1, steps);
      for (int i = 0; i < steps; i++) {
        out[i] = (float) lin[steps - 1 - i]; // np.linspace(..., dtype=np.float32)
      }
      return out;
    }
    int[] whole = ddim(spacing, steps, t, stepsOffset); // same integers as DDIM's
    for (int i = 0; i < steps; i++) {
      out[i] = whole[i];
    }
    return out;
  }

  /** Returns DPM-Solver++ timesteps, descending. */
  public static int[] dpmSolver(TimestepSpacing spacing, int steps, int t, int stepsOffset) {
    checkSteps(steps, t);
    int[] out = new int[steps];
    switch (spacing) {
      case LEADING -> {
        int ratio = t / (steps + 1);
        for (int i = 0; i < steps; i++) {
          out[i] = (steps - i) * ratio + stepsOffset; // arange(N+1)*ratio reversed, last dropped
        }
      }
      case TRAILING -> out = trailing(steps, t);
      case LINSPACE -> {
        double[] lin = linspace(0, t - 1, steps + 1);
        for (int i = 0; i < steps; i++) {
          out[i] = (int) Math.rint(lin[steps - i]);
        }
      }
      default -> throw new IllegalStateException("Unreachable.");
    }
    return checkRange(out, t, spacing, steps);
  }

  /** {@code round(arange(T, 0, -T/N)) - 1}, exactly N values. */
  private static int[] trailing(int steps, int t) {
    double step = -(double) t / steps;
    double delta = (t + step) - t; // numpy's arange fill uses buffer[1] - buffer[0]
    int[] out = new int[steps];
    for (int i = 0; i < steps; i++) {
      double v = i == 0 ? t : (i == 1 ? t + step : t + i * delta);
      out[i] = (int) Math.rint(v) - 1;
    }
    return out;
  }

  /** numpy's {@code linspace(start, stop, n)} in double: {@code i * step + start}, exact end. */
  static double[] linspace(double start, double stop, int n) {
    double[] out = new double[n];
    if (n == 1) {
      out[0] = start;
      return out;
    }
    double step = (stop - start) / (n - 1);
    for (int i = 0; i < n; i++) {
      out[i] = i * step + start;
    }
    out[n - 1] = stop;
    return out;
  }

  private static int[] checkRange(int[] ts, int t, TimestepSpacing spacing, int steps) {
    for (int v : ts) {
      if (v < 0 || v >= t) {
        throw new EngineException(
            spacing.configName()
                + " spacing with "
                + steps
                + " steps gives timestep "
                + v
                + ", outside 0.."
                + (t - 1)
                + "; use fewer steps or another spacing.");
      }
    }
    return ts;
  }
}
