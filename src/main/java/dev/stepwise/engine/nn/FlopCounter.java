package dev.stepwise.engine.nn;

/**
 * Counts the floating-point work of the network calls on the current thread while switched on (the
 * benchmark's GFLOP/s figure): convolutions, linear layers and attention matmuls, 2 FLOP per
 * multiply-add. Element-wise ops and norms are not counted (a few percent of the total).
 */
public final class FlopCounter {
  private static final ThreadLocal<long[]> COUNT = new ThreadLocal<>();

  private FlopCounter() {}

  /** Starts counting on this thread from zero. */
  public static void start() {
    COUNT.set(new long[1]);
  }

  /** Stops counting and returns the FLOPs since {@link #start()} (0 if it was not started). */
  public static long stop() {
    long[] c = COUNT.get();
    COUNT.remove();
    return c == null ? 0 : c[0];
  }

  /** Adds {@code flops} when counting is on; a thread-local read otherwise. */
  static void add(long flops) {
    long[] c = COUNT.get();
    if (c != null) {
      c[0] += flops;
    }
  }
}
