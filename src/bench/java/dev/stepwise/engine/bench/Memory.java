package dev.stepwise.engine.bench;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resident memory of this process, read from /proc (Linux); -1 elsewhere.
 *
 * <p>The peak of one figure comes from VmHWM, the kernel's high-water mark of VmRSS, reset before
 * the figure by writing 5 to /proc/self/clear_refs (Linux 4.0 and later, see proc(5)). Where that
 * write is refused, a thread samples VmRSS every few milliseconds instead and keeps the highest
 * reading (a peak shorter than the interval can then be missed). Since a reset loses the process's
 * earlier peak, every reading also feeds {@link #processPeak()}.
 */
public final class Memory {
  private Memory() {}

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
  private static final AtomicLong PROCESS_PEAK = new AtomicLong(-1);

  /** VmRSS of this process in bytes, or -1 where there is none. */
  public static long rssBytes() {
    return note(field("VmRSS:"));
  }

  /** VmHWM (the highest VmRSS since start or since the last reset) in bytes, or -1. */
  public static long hwmBytes() {
    return note(field("VmHWM:"));
  }

  /**
   * The highest resident memory this process is known to have reached: the largest of every reading
   * taken so far and the current VmHWM (bytes, -1 off Linux).
   */
  public static long processPeak() {
    hwmBytes();
    return PROCESS_PEAK.get();
  }

  /**
   * Resets VmHWM to the current VmRSS (writes 5 to /proc/self/clear_refs); returns false where the
   * kernel refuses or has no such file. The peak so far is kept in {@link #processPeak()} first.
   */
  public static boolean resetPeak() {
    hwmBytes();
    try {
      Files.write(CLEAR_REFS, "5".getBytes(StandardCharsets.US_ASCII));
      return field("VmHWM:") > 0;
    } catch (IOException | RuntimeException e) {
      return false; // not Linux, an old kernel, or not permitted
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

  private static long note(long bytes) {
    PROCESS_PEAK.accumulateAndGet(bytes, Math::max);
    return bytes;
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
   * The peak resident memory of one figure: opened before the figure's work, read when it is done.
   * VmHWM after a reset where the kernel allows it, else the highest of samples every 5 ms.
   */
  public static final class Window implements AutoCloseable {
    /** Windows not yet closed: a nested window's reset must not lose an outer window's peak. */
    private static final java.util.Set<Window> OPEN =
        java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));

    private final PeakSampler sampler;
    private final AtomicLong seen = new AtomicLong(-1); // HWM readings taken before later resets

    private Window(boolean sampled) {
      this.sampler = sampled ? PeakSampler.start() : null;
    }

    /** Starts a window now: resets VmHWM, or starts sampling where it cannot be reset. */
    public static Window open() {
      long hwm = hwmBytes();
      synchronized (OPEN) {
        for (Window w : OPEN) {
          w.seen.accumulateAndGet(hwm, Math::max);
        }
      }
      Window w = new Window(!resetPeak());
      OPEN.add(w);
      return w;
    }

    /** Whether the peak is sampled (the kernel refused the VmHWM reset). */
    public boolean sampled() {
      return sampler != null;
    }

    /** The highest resident memory since {@link #open()}, bytes (-1 off Linux). */
    public long peak() {
      return sampler != null ? sampler.peak() : Math.max(seen.get(), hwmBytes());
    }

    @Override
    public void close() {
      OPEN.remove(this);
      if (sampler != null) {
        sampler.close();
      }
    }
  }

  /**
   * Samples VmRSS every few milliseconds on a daemon thread until closed, keeping the highest
   * reading: the peak of one phase where VmHWM cannot be reset.
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
