package dev.stepwise.cli;

import com.google.gson.JsonPrimitive;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A long command's progress on stderr (docs/cli.md): {@code bar} redrawn in place, {@code plain} a
 * line per finished image (per tenth of a count, per exported file, per bench figure), {@code json}
 * an object a line, or {@code none}. The rate is tqdm's, smoothed over the steps seen (weight 0.3
 * on the newest). Thread-safe; call {@link #end} before printing anything else on the stream.
 */
public final class Progress {
  /** How progress is shown. */
  public enum Mode {
    BAR,
    PLAIN,
    JSON,
    NONE
  }

  private static volatile boolean stderrTerminal;

  private final PrintWriter err;
  private final Mode mode;
  private final LongSupplier nanos;
  private boolean lineOpen;
  private long lastNanos = -1;
  private int lastImage = -1;
  private double secondsPerStep = Double.NaN;
  private long lastEtaMs = -1;
  private long lastDraw = -1_000_000_000L;
  private int lastTenth;

  public Progress(PrintWriter err, Mode mode) {
    this(err, mode, System::nanoTime);
  }

  Progress(PrintWriter err, Mode mode, LongSupplier nanos) {
    this.err = err;
    this.mode = mode;
    this.nanos = nanos;
  }

  /**
   * The mode a {@code --progress} value names; null picks bar when stderr is a terminal (not {@code
   * TERM=dumb}), else plain.
   */
  public static Mode choose(String option) {
    if (option == null) {
      return stderrTerminal && !"dumb".equals(System.getenv("TERM")) ? Mode.BAR : Mode.PLAIN;
    }
    for (Mode m : Mode.values()) {
      if (m.name().equalsIgnoreCase(option.trim())) {
        return m;
      }
    }
    throw new CliErrors.BadValue(
        "--progress must be bar, plain, json or none, got \"" + option + "\".");
  }

  /** Records whether stderr is a terminal (asked before it is redirected). */
  static void stderrTerminal(boolean terminal) {
    stderrTerminal = terminal;
  }

  /** Step {@code step} of {@code steps} (from 1) of image {@code image} of {@code images}. */
  public synchronized void step(
      int image, int images, int step, int steps, long elapsedMs, long etaMs) {
    long now = nanos.getAsLong();
    if (lastNanos >= 0 && image == lastImage && step > 1) {
      double s = (now - lastNanos) / 1e9;
      secondsPerStep = Double.isNaN(secondsPerStep) ? s : 0.3 * s + 0.7 * secondsPerStep;
    }
    lastNanos = now;
    lastImage = image;
    lastEtaMs = etaMs;
    if (mode == Mode.BAR) {
      String rate = rate(secondsPerStep);
      draw(
          (images > 1 ? "image " + image + "/" + images + " " : "")
              + bar(step, steps)
              + " step "
              + step
              + "/"
              + steps
              + (rate.isEmpty() ? "" : "  " + rate)
              + (etaMs >= 0 ? "  ETA " + clock(etaMs) : ""));
    } else if (mode == Mode.JSON) {
      line(
          String.format(
              Locale.ROOT,
              "{\"event\":\"step\",\"image\":%d,\"images\":%d,\"step\":%d,\"steps\":%d,"
                  + "\"elapsed_ms\":%d,\"eta_ms\":%d}",
              image,
              images,
              step,
              steps,
              elapsedMs,
              etaMs));
    }
  }

  /** Image {@code image} of {@code images} was saved as {@code file}. */
  public synchronized void file(
      int image, int images, int steps, String file, long seed, int w, int h, long ms) {
    if (mode == Mode.PLAIN) {
      // a server without progress (stable-diffusion.cpp's) reports no steps: no count, no rate
      String rate = steps == 0 ? "" : rate(ms / 1000.0 / steps);
      line(
          String.format(
              Locale.ROOT,
              "image %d of %d: %s in %.1f s%s%s",
              image,
              images,
              steps == 0 ? "made" : plural(steps, "step"),
              ms / 1000.0,
              rate.isEmpty() ? "" : " (" + rate + ")",
              image < images && lastEtaMs >= 0 ? ", about " + clock(lastEtaMs) + " left" : ""));
    } else if (mode == Mode.JSON) {
      line(
          String.format(
              Locale.ROOT,
              "{\"event\":\"file\",\"image\":%d,\"file\":%s,\"seed\":%d,\"width\":%d,"
                  + "\"height\":%d,\"duration_ms\":%d}",
              image,
              new JsonPrimitive(file),
              seed,
              w,
              h,
              ms));
    }
  }

  /** {@code done} of {@code total} files: the bar at most 10 times a second, else each tenth. */
  public synchronized void count(long done, long total, long elapsedMs) {
    int tenth = total <= 0 ? 0 : (int) Math.min(10, done * 10 / total);
    long now = nanos.getAsLong();
    if (mode == Mode.BAR && (done == total || now - lastDraw >= 100_000_000L)) {
      lastDraw = now;
      draw(bar(done, total) + " " + done + "/" + total + (total == 1 ? " file" : " files"));
    } else if (tenth > lastTenth && mode == Mode.PLAIN) {
      line(
          String.format(
              Locale.ROOT,
              "%d of %s (%d%%) in %d ms",
              done,
              plural(total, "file"),
              tenth * 10,
              elapsedMs));
    } else if (tenth > lastTenth && mode == Mode.JSON) {
      line(
          String.format(
              Locale.ROOT,
              "{\"event\":\"count\",\"done\":%d,\"total\":%d,\"elapsed_ms\":%d}",
              done,
              total,
              elapsedMs));
    }
    lastTenth = Math.max(lastTenth, tenth);
  }

  /**
   * File {@code done} of {@code total} of an export was written as {@code file} (null: left out,
   * unreadable): the bar at most 10 times a second, a plain line or a JSON object per file, each
   * with the time left at the mean of the files so far.
   */
  public synchronized void exported(int done, int total, String file, long elapsedMs) {
    long etaMs = done <= 0 ? -1 : elapsedMs * (total - done) / done;
    long now = nanos.getAsLong();
    String eta = done < total && etaMs >= 0 ? ", about " + clock(etaMs) + " left" : "";
    String name = file == null ? "left out (it cannot be read)" : Main.printable(file);
    if (mode == Mode.BAR && (done == total || now - lastDraw >= 100_000_000L)) {
      lastDraw = now;
      draw(
          bar(done, total)
              + " file "
              + done
              + "/"
              + total
              + (done < total && etaMs >= 0 ? "  ETA " + clock(etaMs) : ""));
    } else if (mode == Mode.PLAIN) {
      line("file " + done + " of " + total + ": " + name + eta);
    } else if (mode == Mode.JSON) {
      line(
          String.format(
              Locale.ROOT,
              "{\"event\":\"file\",\"file\":%s,\"done\":%d,\"total\":%d,\"elapsed_ms\":%d,"
                  + "\"eta_ms\":%d}",
              file == null ? "null" : new JsonPrimitive(file),
              done,
              total,
              elapsedMs,
              etaMs));
    }
  }

  /**
   * Run {@code run} (from 1, warm-ups first) of {@code warmups + runs} of the bench figure {@code
   * figure} started or {@code finished}: the bar is drawn as a run starts (at most 10 times a
   * second after a figure's first), a JSON object written as one ends ({@code run} counts the
   * warm-ups and the timed runs apart).
   */
  public synchronized void run(
      String figure, int run, int warmups, int runs, boolean finished, long elapsedMs, long etaMs) {
    boolean warmup = run <= warmups;
    int k = warmup ? run : run - warmups;
    int of = warmup ? warmups : runs;
    long now = nanos.getAsLong();
    if (mode == Mode.BAR && !finished && (run == 1 || now - lastDraw >= 100_000_000L)) {
      lastDraw = now;
      String label = figure.length() > 40 ? figure.substring(0, 37) + "..." : figure;
      draw(
          label
              + " "
              + bar(run - 1, warmups + runs)
              + (warmup ? " warm-up " : " run ")
              + k
              + "/"
              + of
              + (etaMs >= 0 ? "  ETA " + clock(etaMs) : ""));
    } else if (mode == Mode.JSON && finished) {
      line(
          String.format(
              Locale.ROOT,
              "{\"event\":\"run\",\"figure\":%s,\"warmup\":%b,\"run\":%d,\"runs\":%d,"
                  + "\"elapsed_ms\":%d,\"eta_ms\":%d}",
              new JsonPrimitive(figure),
              warmup,
              k,
              of,
              elapsedMs,
              etaMs));
    }
  }

  /** The bench figure's loop ended after {@code done} of its {@code warmups + runs} runs. */
  public synchronized void figure(String figure, int warmups, int runs, int done, long elapsedMs) {
    if (mode == Mode.PLAIN) {
      line(
          String.format(
              Locale.ROOT,
              "%s: %s%s in %.1f s%s",
              Main.oneLine(figure),
              warmups > 0 ? plural(warmups, "warm-up") + " + " : "",
              plural(runs, "run"),
              elapsedMs / 1000.0,
              done < warmups + runs ? " (stopped after " + done + ")" : ""));
    } else if (mode == Mode.JSON) {
      line(
          String.format(
              Locale.ROOT,
              "{\"event\":\"figure\",\"figure\":%s,\"warmups\":%d,\"runs\":%d,\"done\":%d,"
                  + "\"elapsed_ms\":%d}",
              new JsonPrimitive(figure),
              warmups,
              runs,
              done,
              elapsedMs));
    }
  }

  /** "1 image", "2 images": {@code n} and {@code word}, plural unless {@code n} is one. */
  static String plural(long n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  /** Erases the bar's line, so that what follows starts on a clean line. */
  public synchronized void end() {
    if (lineOpen) {
      err.print("\r\033[K");
      err.flush();
      lineOpen = false;
    }
  }

  private void draw(String s) {
    err.print("\r" + s + "\033[K");
    err.flush();
    lineOpen = true;
  }

  private void line(String s) {
    end();
    err.println(s);
    err.flush();
  }

  static String bar(long done, long total) {
    int full = total <= 0 ? 0 : (int) Math.min(24, done * 24 / total);
    return "[" + "#".repeat(full) + "-".repeat(24 - full) + "]";
  }

  /** tqdm's rate: "2.50 steps/s" from one a second up, else "3.2 s/step"; "" when unknown. */
  static String rate(double secondsPer) {
    if (Double.isNaN(secondsPer) || secondsPer <= 0) {
      return "";
    }
    return secondsPer <= 1
        ? String.format(Locale.ROOT, "%.2f steps/s", 1 / secondsPer)
        : String.format(Locale.ROOT, "%.1f s/step", secondsPer);
  }

  /** m:ss, or h:mm:ss from an hour. */
  static String clock(long ms) {
    long s = Math.max(0, (ms + 500) / 1000);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
