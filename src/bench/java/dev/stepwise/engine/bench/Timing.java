package dev.stepwise.engine.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Wall-clock figures for the benchmark: the median of several timed samples taken after untimed
 * warm-up calls, so one slow (cold) call never becomes the figure; the fastest and slowest sample
 * are kept beside it to show the spread. Each loop tells {@link BenchRuns} its runs, between them.
 */
public final class Timing {
  private Timing() {}

  /**
   * One timed figure.
   *
   * @param ms median wall time of one call, in milliseconds
   * @param min the fastest sample, ms per call
   * @param max the slowest sample, ms per call
   * @param samples the number of timed samples the median is taken over
   * @param callsPerSample calls averaged inside each sample (1 unless a call is too short to time
   *     alone)
   * @param warmups untimed calls made first
   */
  public record Figure(
      double ms, double min, double max, int samples, int callsPerSample, int warmups) {

    /** The figure of {@code samples} (ms per call each) taken after {@code warmups} calls. */
    public static Figure of(double[] samples, int callsPerSample, int warmups) {
      double lo = Double.NaN;
      double hi = Double.NaN;
      for (double v : samples) {
        lo = Double.isNaN(lo) ? v : Math.min(lo, v);
        hi = Double.isNaN(hi) ? v : Math.max(hi, v);
      }
      return new Figure(median(samples), lo, hi, samples.length, callsPerSample, warmups);
    }

    /**
     * "median of 5 x 40 calls, min 1.20, max 1.31, 2 warm-ups excluded", for table footnotes; the
     * range is left out for a single sample.
     */
    public String describe() {
      return describe(null);
    }

    /**
     * As {@link #describe()}, naming what a sample is: "median of 3 images, min 250, max 254, 1
     * warm-up image excluded" for {@code unit} "image" (null: no unit).
     */
    public String describe(String unit) {
      return "median of "
          + samples
          + (unit == null ? "" : " " + unit + (samples == 1 ? "" : "s"))
          + (callsPerSample > 1 ? " x " + callsPerSample + " calls" : "")
          + (samples > 1 ? ", min " + fmt(min) + ", max " + fmt(max) : "")
          + ", "
          + warmups
          + " warm-up"
          + (unit == null ? "" : " " + unit)
          + (warmups == 1 ? "" : "s")
          + " excluded";
    }
  }

  /**
   * Times a fast call: two untimed warm-up calls (the second also estimates its duration), then
   * {@code samples} samples, each the mean of enough calls to last about {@code minSampleMs}.
   */
  public static Figure calibrated(Runnable call, int samples, double minSampleMs) {
    return calibrated(call, samples, minSampleMs, System::nanoTime);
  }

  /** {@link #calibrated(Runnable, int, double)} reading {@code clock} (nanoseconds). */
  static Figure calibrated(Runnable call, int samples, double minSampleMs, LongSupplier clock) {
    double[] ms = new double[Math.max(1, samples)];
    int calls;
    try (BenchRuns.Loop loop = BenchRuns.loop(2, ms.length)) {
      loop.start();
      call.run(); // warm-up: first-use allocations, JIT, kernel selection
      loop.end();
      loop.start();
      long t0 = clock.getAsLong();
      call.run(); // second warm-up, timed to size the samples
      double one = Math.max(1e-4, (clock.getAsLong() - t0) / 1e6);
      loop.end();
      calls = (int) Math.max(1, Math.min(10_000, Math.ceil(minSampleMs / one)));
      for (int i = 0; i < ms.length; i++) {
        loop.start();
        long s0 = clock.getAsLong();
        for (int k = 0; k < calls; k++) {
          call.run();
        }
        ms[i] = (clock.getAsLong() - s0) / 1e6 / calls;
        loop.end();
      }
    }
    return Figure.of(ms, calls, 2);
  }

  /**
   * Times a slow call: {@code warmups} untimed calls, then {@code samples} calls timed one by one.
   */
  public static Figure fixed(Runnable call, int warmups, int samples) {
    return fixed(call, warmups, samples, System::nanoTime);
  }

  /** {@link #fixed(Runnable, int, int)} reading {@code clock} (nanoseconds). */
  static Figure fixed(Runnable call, int warmups, int samples, LongSupplier clock) {
    double[] ms = new double[Math.max(1, samples)];
    try (BenchRuns.Loop loop = BenchRuns.loop(warmups, ms.length)) {
      for (int i = 0; i < warmups; i++) {
        loop.start();
        call.run();
        loop.end();
      }
      for (int i = 0; i < ms.length; i++) {
        loop.start();
        long t0 = clock.getAsLong();
        call.run();
        ms[i] = (clock.getAsLong() - t0) / 1e6;
        loop.end();
      }
    }
    return Figure.of(ms, 1, warmups);
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

  /** Milliseconds with about three significant digits ("n/a" when not finite). */
  public static String fmt(double ms) {
    if (!Double.isFinite(ms)) {
      return "n/a";
    }
    double a = Math.abs(ms);
    String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
    return String.format(Locale.ROOT, pattern, ms);
  }
}
