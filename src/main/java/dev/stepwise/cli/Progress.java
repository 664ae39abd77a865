package dev.stepwise.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A long command's progress on stderr, in one of four modes (the {@code --progress} option):
 *
 * <ul>
 *   <li>{@code bar}: one line redrawn in place ({@code \r}, then ANSI erase-to-end-of-line), for a
 *       terminal: image i of n, a bar, step k of N, the rate and the time left;
 *   <li>{@code plain}: one finished line per image (or per tenth of a count), for logs and pipes;
 *   <li>{@code json}: one JSON object a line, {@code {"event": "step", "image", "images", "step",
 *       "steps", "elapsed_ms", "eta_ms"}} per step and {@code {"event": "file", "image", "file",
 *       "seed", "width", "height", "duration_ms"}} per finished file ({@code image} and {@code
 *       step} count from 1), for scripts and other front ends;
 *   <li>{@code none}: nothing.
 * </ul>
 *
 * <p>The rate is tqdm's: steps per second when at least one step a second is made, else seconds per
 * step, averaged over the steps seen so far with an exponential moving average (weight 0.3 on the
 * newest step, tqdm's default smoothing). Thread-safe: the sampling thread reports steps, the
 * signal thread may end the line. {@link #end} must be called before anything else is printed on
 * the same stream, so that a message does not land on the bar's line.
 */
public final class Progress {
  /** How progress is shown. */
  public enum Mode {
    BAR,
    PLAIN,
    JSON,
    NONE;

    /** The value of {@code --progress}, ignoring case; null when it is none of the four. */
    static Mode parse(String s) {
      if (s == null) {
        return null;
      }
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(s.trim())) {
          return m;
        }
      }
      return null;
    }
  }

  /** Weight of the newest step in the smoothed step time (tqdm's {@code smoothing=0.3}). */
  static final double SMOOTHING = 0.3;

  private static final int BAR_CELLS = 24;
  private static final long REDRAW_NANOS = 100_000_000L; // at most 10 redraws a second for counts

  private static volatile boolean stderrTerminal;

  private final PrintWriter err;
  private final Mode mode;
  private final LongSupplier nanos;
  private boolean lineOpen;
  private long lastNanos = -1;
  private int lastImage = -1;
  private double secondsPerStep = Double.NaN;
  private long lastEtaMs = -1;
  private long lastDraw = Long.MIN_VALUE;
  private int lastTenth;

  /** Progress written to {@code err} in {@code mode}. */
  public Progress(PrintWriter err, Mode mode) {
    this(err, mode, System::nanoTime);
  }

  Progress(PrintWriter err, Mode mode, LongSupplier nanos) {
    this.err = err;
    this.mode = mode;
    this.nanos = nanos;
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /**
   * The mode for a {@code --progress} value: {@code null} (not given) picks {@code bar} when stderr
   * is a terminal that understands it, else {@code plain}.
   *
   * @throws dev.stepwise.engine.EngineException naming the value when it is not one of the four
   */
  public static Mode choose(String option) {
    if (option == null) {
      String term = System.getenv("TERM");
      return stderrTerminal && !"dumb".equals(term) ? Mode.BAR : Mode.PLAIN;
    }
    Mode m = Mode.parse(option);
    if (m == null) {
      throw new dev.stepwise.engine.EngineException(
          "--progress must be bar, plain, json or none, got \"" + option + "\".");
    }
    return m;
  }

  /** Records whether stderr is a terminal (probed at start-up, before stderr is redirected). */
  static void stderrTerminal(boolean terminal) {
    stderrTerminal = terminal;
  }

  /**
   * One sampler step finished.
   *
   * @param image the image, from 1
   * @param images the images in the run
   * @param step the step within the image, from 1
   * @param steps the steps per image
   * @param elapsedMs time since the run started
   * @param etaMs the estimated time left for the whole run, or -1 when unknown
   */
  public synchronized void step(
      int image, int images, int step, int steps, long elapsedMs, long etaMs) {
    long now = nanos.getAsLong();
    if (lastNanos >= 0 && image == lastImage && step > 1) {
      double s = (now - lastNanos) / 1e9;
      secondsPerStep =
          Double.isNaN(secondsPerStep) ? s : SMOOTHING * s + (1 - SMOOTHING) * secondsPerStep;
    }
    lastNanos = now;
    lastImage = image;
    lastEtaMs = etaMs;
    switch (mode) {
      case BAR -> {
        StringBuilder b = new StringBuilder();
        if (images > 1) {
          b.append("image ").append(image).append('/').append(images).append(' ');
        }
        b.append(bar(step, steps)).append(" step ").append(step).append('/').append(steps);
        String rate = rate(secondsPerStep, "step");
        if (!rate.isEmpty()) {
          b.append("  ").append(rate);
        }
        if (etaMs >= 0) {
          b.append("  ETA ").append(clock(etaMs));
        }
        draw(b.toString());
      }
      case JSON -> {
        JsonObject o = new JsonObject();
        o.addProperty("event", "step");
        o.addProperty("image", image);
        o.addProperty("images", images);
        o.addProperty("step", step);
        o.addProperty("steps", steps);
        o.addProperty("elapsed_ms", elapsedMs);
        o.addProperty("eta_ms", etaMs);
        line(o.toString());
      }
      default -> {}
    }
  }

  /**
   * One image finished and was saved as {@code file}: the plain mode's line for the image, the json
   * mode's file object.
   *
   * @param image the image, from 1
   * @param images the images in the run
   * @param steps the steps per image
   * @param file where it was saved
   * @param seed its seed
   * @param width its width in pixels
   * @param height its height in pixels
   * @param durationMs the time the image took
   */
  public synchronized void file(
      int image,
      int images,
      int steps,
      String file,
      long seed,
      int width,
      int height,
      long durationMs) {
    switch (mode) {
      case PLAIN -> {
        String rate = rate(durationMs / 1000.0 / Math.max(1, steps), "step");
        line(
            String.format(
                Locale.ROOT,
                "image %d of %d: %d steps in %.1f s%s%s",
                image,
                images,
                steps,
                durationMs / 1000.0,
                rate.isEmpty() ? "" : " (" + rate + ")",
                image < images && lastEtaMs >= 0 ? ", about " + clock(lastEtaMs) + " left" : ""));
      }
      case JSON -> {
        JsonObject o = new JsonObject();
        o.addProperty("event", "file");
        o.addProperty("image", image);
        o.addProperty("file", file);
        o.addProperty("seed", seed);
        o.addProperty("width", width);
        o.addProperty("height", height);
        o.addProperty("duration_ms", durationMs);
        line(o.toString());
      }
      default -> {}
    }
  }

  /**
   * A count of {@code done} out of {@code total} {@code things} (e.g. "files"): the bar redrawn at
   * most ten times a second, a plain line at each tenth, a json {@code {"event": "count", "what",
   * "done", "total", "elapsed_ms"}} object at each tenth.
   */
  public synchronized void count(String things, long done, long total, long elapsedMs) {
    if (total <= 0) {
      return;
    }
    int tenth = (int) Math.min(10, done * 10 / total);
    switch (mode) {
      case BAR -> {
        long now = nanos.getAsLong();
        if (done < total && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_NANOS) {
          return;
        }
        lastDraw = now;
        StringBuilder b = new StringBuilder();
        b.append(bar(done, total)).append(' ').append(done).append('/').append(total);
        b.append(' ').append(things);
        if (done > 0 && elapsedMs > 0) {
          double perSecond = done * 1000.0 / elapsedMs;
          b.append(String.format(Locale.ROOT, "  %.0f %s/s", perSecond, things));
          b.append("  ETA ").append(clock((long) ((total - done) / perSecond * 1000)));
        }
        draw(b.toString());
      }
      case PLAIN -> {
        if (tenth > lastTenth) {
          lastTenth = tenth;
          line(
              String.format(
                  Locale.ROOT,
                  "%d of %d %s (%d%%) in %.1f s",
                  done,
                  total,
                  things,
                  tenth * 10,
                  elapsedMs / 1000.0));
        }
      }
      case JSON -> {
        if (tenth > lastTenth) {
          lastTenth = tenth;
          JsonObject o = new JsonObject();
          o.addProperty("event", "count");
          o.addProperty("what", things);
          o.addProperty("done", done);
          o.addProperty("total", total);
          o.addProperty("elapsed_ms", elapsedMs);
          line(o.toString());
        }
      }
      default -> {}
    }
  }

  /** Ends the bar's line (erasing it), so that what follows starts on a clean line. */
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

  /** A bar of {@link #BAR_CELLS} cells, {@code #} done and {@code -} to do. */
  static String bar(long done, long total) {
    int full = total <= 0 ? 0 : (int) Math.min(BAR_CELLS, done * BAR_CELLS / total);
    return "[" + "#".repeat(full) + "-".repeat(BAR_CELLS - full) + "]";
  }

  /**
   * tqdm's rate: "2.50 steps/s" when at least one a second, else "3.2 s/step"; empty when unknown.
   */
  static String rate(double secondsPer, String thing) {
    if (Double.isNaN(secondsPer) || secondsPer <= 0) {
      return "";
    }
    return secondsPer <= 1
        ? String.format(Locale.ROOT, "%.2f %ss/s", 1 / secondsPer, thing)
        : String.format(Locale.ROOT, "%.1f s/%s", secondsPer, thing);
  }

  /** A duration as tqdm writes it: m:ss, or h:mm:ss from an hour. */
  static String clock(long ms) {
    long s = Math.max(0, (ms + 500) / 1000);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
