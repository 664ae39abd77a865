package dev.stepwise.app.studio;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries events from the sampling thread to the UI thread with at most one task in flight on the
 * UI executor: events queue up in order and one drain runs them all, then {@code afterDrain} (which
 * draws the latest frame once). Nothing is dropped, so the last step always arrives.
 */
final class UiPump {
  private final Executor ui;
  private final Runnable afterDrain;
  private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
  private final long[] recent = new long[1024];
  private long drains;
  private long totalNanos;
  private long maxNanos;
  private long cpuNanos;

  UiPump(Executor ui, Runnable afterDrain) {
    this.ui = ui;
    this.afterDrain = afterDrain;
  }

  /** Queues {@code event} for the UI thread; schedules a drain unless one is already pending. */
  void post(Runnable event) {
    events.add(event);
    if (scheduled.compareAndSet(false, true)) {
      ui.execute(this::drain);
    }
  }

  private void drain() {
    long t0 = System.nanoTime();
    long c0 = THREADS.getCurrentThreadCpuTime();
    // Cleared first: an event posted while we drain either is polled below or schedules anew.
    scheduled.set(false);
    Runnable r;
    while ((r = events.poll()) != null) {
      r.run();
    }
    afterDrain.run();
    long dt = System.nanoTime() - t0;
    cpuNanos += THREADS.getCurrentThreadCpuTime() - c0;
    recent[(int) (drains % recent.length)] = dt;
    drains++;
    totalNanos += dt;
    maxNanos = Math.max(maxNanos, dt);
  }

  /** What the drains cost the UI thread so far (read on the UI thread). */
  UiCost cost() {
    int n = (int) Math.min(drains, recent.length);
    long[] sorted = java.util.Arrays.copyOf(recent, n);
    java.util.Arrays.sort(sorted);
    return new UiCost(drains, totalNanos, maxNanos, cpuNanos, n == 0 ? 0 : sorted[n / 2]);
  }
}
