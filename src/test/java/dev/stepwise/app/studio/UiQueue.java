package dev.stepwise.app.studio;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A stand-in UI thread (or background executor) for view-model tests: tasks queue up and the test
 * thread runs them.
 */
final class UiQueue implements Executor {
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private int maxPending;

  @Override
  public void execute(Runnable r) {
    tasks.add(r);
    maxPending = Math.max(maxPending, tasks.size());
  }

  /**
   * Runs queued tasks on the calling thread until {@code done} holds; fails after {@code limit}.
   */
  void runUntil(BooleanSupplier done, Duration limit) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("condition not reached within " + limit);
      }
      Runnable r = tasks.poll(Math.min(left, 50_000_000L), TimeUnit.NANOSECONDS);
      if (r != null) {
        r.run();
      }
    }
  }

  /** How many tasks are waiting. */
  int pending() {
    return tasks.size();
  }

  /** Runs the waiting tasks (and any they queue) on the calling thread; returns how many ran. */
  int runAll() {
    int ran = 0;
    for (Runnable r = tasks.poll(); r != null; r = tasks.poll()) {
      r.run();
      ran++;
    }
    return ran;
  }

  /** The most tasks that were ever waiting at once. */
  int maxPending() {
    return maxPending;
  }
}
