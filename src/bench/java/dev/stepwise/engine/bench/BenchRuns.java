package dev.stepwise.engine.bench;

import java.util.function.LongSupplier;

/**
 * Which figure {@code stepwise bench} is measuring and which of its runs, for {@code bench
 * --progress}. Code that times runs (Timing's loops, the benchmarks' own) wraps them in a {@link
 * Loop} and tells it when each run starts and ends, outside the timed part; a loop opened while
 * another is open (a layer's samples inside the loop over the layers) reports nothing, so the outer
 * count stays whole. Loops report to the process's one listener; with none, to nobody.
 */
public final class BenchRuns {
  /** What a listener hears, on the measuring thread. */
  public interface Listener {
    /**
     * Run {@code run} (from 1, warm-ups first) of {@code figure} started ({@code finished} false)
     * or ended; the first {@code warmups} of the {@code warmups + runs} runs are untimed warm-ups.
     * {@code elapsedMs} counts from the loop's start; {@code etaMs} is the loop's time left at the
     * mean of the timed runs ended so far (of the warm-ups while none has), -1 before any ended.
     */
    void run(
        String figure,
        int run,
        int warmups,
        int runs,
        boolean finished,
        long elapsedMs,
        long etaMs);

    /** The loop measuring {@code figure} ended after {@code done} of its runs. */
    void figure(String figure, int warmups, int runs, int done, long elapsedMs);
  }

  private static Listener listener;
  private static String figure = "measuring";
  private static String part;
  private static Loop open;
  static volatile LongSupplier clock = System::nanoTime;

  private BenchRuns() {}

  /** Sends the loops to {@code l} (null: to nobody). */
  public static synchronized void listen(Listener l) {
    listener = l;
    open = null;
  }

  /** Names the figure the next loops measure ("SD 1.5 guided step 64x64"); clears the part. */
  public static synchronized void figure(String name) {
    figure = name;
    part = null;
  }

  /** Names a part of the current figure ("tiny"): the loops then measure "figure, part". */
  public static synchronized void part(String name) {
    part = name;
  }

  /** Opens the loop of {@code warmups} untimed and {@code runs} timed runs of the named figure. */
  public static synchronized Loop loop(int warmups, int runs) {
    boolean counts = listener != null && open == null;
    Loop l =
        new Loop(
            counts ? listener : null,
            part == null ? figure : figure + ", " + part,
            Math.max(0, warmups),
            Math.max(0, runs));
    if (counts) {
      open = l;
    }
    return l;
  }

  private static synchronized void closed(Loop l) {
    if (open == l) {
      open = null;
    }
  }

  /** One loop's count; silent when opened inside another or with no listener. */
  public static final class Loop implements AutoCloseable {
    private final Listener to;
    private final String figure;
    private final int warmups;
    private final int runs;
    private final long t0;
    private int started;
    private int warmDone;
    private int timedDone;
    private long runStart;
    private long warmNanos;
    private long timedNanos;

    private Loop(Listener to, String figure, int warmups, int runs) {
      this.to = to;
      this.figure = figure;
      this.warmups = warmups;
      this.runs = runs;
      this.t0 = clock.getAsLong();
    }

    /** The next run starts. */
    public void start() {
      if (to == null) {
        return;
      }
      started++;
      runStart = clock.getAsLong();
      to.run(figure, started, warmups, runs, false, ms(runStart - t0), eta(started - 1));
    }

    /** The run started last has ended. */
    public void end() {
      if (to == null || started == 0) {
        return;
      }
      long now = clock.getAsLong();
      if (started <= warmups) {
        warmDone++;
        warmNanos += now - runStart;
      } else {
        timedDone++;
        timedNanos += now - runStart;
      }
      to.run(figure, started, warmups, runs, true, ms(now - t0), eta(started));
    }

    /** The time left after {@code done} runs, ms, or -1 while no run has ended. */
    private long eta(int done) {
      long per = timedDone > 0 ? timedNanos / timedDone : warmDone > 0 ? warmNanos / warmDone : -1;
      return per < 0 ? -1 : ms(per * Math.max(0, warmups + runs - done));
    }

    private static long ms(long nanos) {
      return Math.round(nanos / 1e6);
    }

    @Override
    public void close() {
      if (to != null) {
        closed(this);
        to.figure(figure, warmups, runs, warmDone + timedDone, ms(clock.getAsLong() - t0));
      }
    }
  }
}
