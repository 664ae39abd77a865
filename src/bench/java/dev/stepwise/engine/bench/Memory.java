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

  /** VmRSS of this process in bytes, or -1 where there is none. */
  public static long rssBytes() {
    return field("VmRSS:");
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
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /**
   * Samples VmRSS every few milliseconds on a daemon thread until closed, keeping the highest
   * reading: the peak of one phase, which VmHWM (the whole process's peak) cannot give.
   */
  public static final class PeakSampler implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong(-1);
    private final Thread thread;
    private volatile boolean running = true;

    private PeakSampler() {
      sample();
      thread =
          new Thread(
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
      thread.setDaemon(true);
      thread.start();
    }

    /** Starts sampling now. */
    public static PeakSampler start() {
      return new PeakSampler();
    }

    private void sample() {
      long r = rssBytes();
      peak.accumulateAndGet(r, Math::max);
    }

    /** The highest reading so far, bytes (-1 off Linux). */
    public long peak() {
      sample();
      return peak.get();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
