package dev.stepwise.engine.bench;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** Resident memory of this process, read from /proc (Linux); -1 elsewhere. */
public final class Memory {
  private Memory() {}

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final AtomicLong PROCESS_PEAK = new AtomicLong(-1);

  /** VmRSS of this process in bytes, or -1 where there is none. */
  public static long rssBytes() {
    return field("VmRSS:");
  }

  /** VmHWM, the highest VmRSS since start or since the last reset, in bytes, or -1. */
  public static long hwmBytes() {
    return field("VmHWM:");
  }

  /** The highest resident memory read so far or now in VmHWM (resets lose none), or -1. */
  public static long processPeak() {
    hwmBytes();
    return PROCESS_PEAK.get();
  }

  /**
   * Resets VmHWM to VmRSS by writing 5 to /proc/self/clear_refs (Linux 4.0 and later, proc(5));
   * false where that is refused.
   */
  public static boolean resetPeak() {
    hwmBytes(); // into processPeak() first
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return hwmBytes() > 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Hands the C heap's free memory back to the system (glibc malloc_trim(0)), so a resident-memory
   * reading shows live memory rather than what earlier work freed (the engine tunes glibc to keep
   * freed blocks, see dev.stepwise.NativeMemory). Returns false where there is no glibc.
   */
  public static boolean trim() {
    try {
      Function f = NativeLibrary.getInstance("c").getFunction("malloc_trim");
      f.invokeInt(new Object[] {0});
      return true;
    } catch (RuntimeException | LinkageError e) {
      return false; // no glibc
    }
  }

  private static long field(String name) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(name)) {
          long bytes = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          PROCESS_PEAK.accumulateAndGet(bytes, Math::max);
          return bytes;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /**
   * The peak resident memory of one figure, from start until read: VmHWM after a reset ({@link
   * #resetPeak}), or where the kernel refuses that, the highest VmRSS sampled every 5 ms on a
   * daemon thread. Samplers must not nest: a reset would hide the outer one's peak.
   */
  public static final class PeakSampler implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong(-1);
    private final Thread thread; // null when VmHWM was reset
    private volatile boolean running = true;

    private PeakSampler() {
      sample();
      thread =
          resetPeak()
              ? null
              : new Thread(
                  () -> {
                    while (running) {
                      sample();
                      try {
                        Thread.sleep(5);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  },
                  "stepwise-bench-rss");
      if (thread != null) {
        thread.setDaemon(true);
        thread.start();
      }
    }

    /** Starts measuring now. */
    public static PeakSampler start() {
      return new PeakSampler();
    }

    private void sample() {
      long r = rssBytes();
      peak.accumulateAndGet(r, Math::max);
    }

    /** Whether the peak is sampled (VmHWM could not be reset). */
    public boolean sampled() {
      return thread != null;
    }

    /** The highest resident memory since {@link #start()}, bytes (-1 off Linux). */
    public long peak() {
      if (thread == null) {
        return hwmBytes();
      }
      sample();
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      if (thread != null) {
        thread.interrupt();
        try {
          thread.join(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
