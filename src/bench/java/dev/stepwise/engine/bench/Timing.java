package dev.stepwise.engine.bench;

import java.util.Arrays;

/**
 * Wall-clock figures for the benchmark: the median of several timed samples taken after untimed
 * warm-up calls, so one slow (cold) call never becomes the figure.
 */
public final class Timing {
  private Timing() {}

  /**
   * One timed figure.
   *
   * @param ms median wall time of one call, in milliseconds
   * @param samples the number of timed samples the median is taken over
   * @param callsPerSample calls averaged inside each sample (1 unless a call is too short to time
   *     alone)
   * @param warmups untimed calls made first
   */
  public record Figure(double ms, int samples, int callsPerSample, int warmups) {
    /** "median of 5 (x 40 calls) after 2 warm-up calls", for table footnotes. */
    public String describe() {
      return "median of "
          + samples
          + (callsPerSample > 1 ? " x " + callsPerSample + " calls" : "")
          + ", "
          + warmups
          + " warm-up"
          + (warmups == 1 ? "" : "s")
          + " excluded";
    }
  }

  /**
   * Times a fast call: two untimed warm-up calls (the second also estimates its duration), then
   * {@code samples} samples, each the mean of enough calls to last about {@code minSampleMs}.
   */
  public static Figure calibrated(Runnable call, int samples, double minSampleMs) {
    call.run(); // warm-up: first-use allocations, JIT, kernel selection
    long t0 = System.nanoTime();
    call.run(); // second warm-up, timed to size the samples
    double one = Math.max(1e-4, (System.nanoTime() - t0) / 1e6);
    int calls = (int) Math.max(1, Math.min(10_000, Math.ceil(minSampleMs / one)));
    double[] ms = new double[Math.max(1, samples)];
    for (int i = 0; i < ms.length; i++) {
      long s0 = System.nanoTime();
      for (int k = 0; k < calls; k++) {
        call.run();
      }
      ms[i] = (System.nanoTime() - s0) / 1e6 / calls;
    }
    return new Figure(median(ms), ms.length, calls, 2);
  }

  /**
   * Times a slow call: {@code warmups} untimed calls, then {@code samples} calls timed one by one.
   */
  public static Figure fixed(Runnable call, int warmups, int samples) {
    for (int i = 0; i < warmups; i++) {
      call.run();
    }
    double[] ms = new double[Math.max(1, samples)];
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      call.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return new Figure(median(ms), ms.length, 1, warmups);
  }

  /** The median (the mean of the two middle values for an even count); NaN for none. */
  public static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] c = v.clone();
    Arrays.sort(c);
    int n = c.length;
    return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
  }
}
