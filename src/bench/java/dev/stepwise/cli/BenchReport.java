package dev.stepwise.cli;

import com.google.gson.JsonObject;
import dev.stepwise.engine.bench.Timing;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * What {@code stepwise bench} reports: text lines for a person and the same figures as one flat
 * JSON object (--json). A timed figure {@code K} comes with {@code K_min}, {@code K_max} and {@code
 * K_samples}; one measured at a latent size ends in {@code _<side>} ({@code
 * sd15_guided_step_ms_64_min}). Numbers have 7 significant digits; what could not be measured (NaN,
 * memory off Linux) is left out.
 */
final class BenchReport {
  private final PrintWriter text;
  private final Runnable beforeLine;
  private final JsonObject json = new JsonObject();

  BenchReport(PrintWriter text) {
    this(text, () -> {});
  }

  /** Text lines to {@code text}; {@code beforeLine} runs first (a progress bar's end). */
  BenchReport(PrintWriter text, Runnable beforeLine) {
    this.text = text;
    this.beforeLine = beforeLine;
  }

  /** Prints one formatted line (Locale.ROOT). */
  void line(String format, Object... args) {
    println(String.format(Locale.ROOT, format, args));
  }

  void println(String s) {
    beforeLine.run();
    text.println(s);
    text.flush();
  }

  void put(String key, double v) {
    if (Double.isFinite(v)) {
      json.addProperty(key, new BigDecimal(v).round(MathContext.DECIMAL32).doubleValue());
    }
  }

  void put(String key, long v) {
    json.addProperty(key, v);
  }

  void put(String key, String v) {
    json.addProperty(key, v);
  }

  void put(String key, boolean v) {
    json.addProperty(key, v);
  }

  /** Resident memory in MB (10^6 bytes), left out when unknown (negative). */
  void putMb(String key, long bytes) {
    if (bytes >= 0) {
      put(key, bytes / 1e6);
    }
  }

  /** A timed figure: {@code key} (the median, ms), {@code key_min}, {@code key_max}, samples. */
  void figure(String key, Timing.Figure f) {
    put(key, f.ms());
    put(key + "_min", f.min());
    put(key + "_max", f.max());
    put(key + "_samples", (long) f.samples());
  }

  /** "label: 1.23 ms (median of ...)", and the figure as {@code key} unless null. */
  void timed(String label, String key, Timing.Figure f, String unit) {
    line("%s: %s ms (%s)", label, Timing.fmt(f.ms()), f.describe(unit));
    if (key != null) {
      figure(key, f);
    }
  }

  /** " label: 1.23 ms = 4.5% of a guided step (median of ...)", and the figure as {@code key}. */
  void previewLine(String key, String label, Timing.Figure f, double stepMs) {
    line(
        "  %s: %s ms = %s%% of a guided step (%s)",
        label, Timing.fmt(f.ms()), pct(100 * f.ms() / stepMs), f.describe());
    if (key != null) {
      figure(key, f);
    }
  }

  /** The JSON object so far (a copy). */
  JsonObject json() {
    return json.deepCopy();
  }

  /** Megabytes for text, "?" when unknown. */
  static String mb(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f", bytes / 1e6);
  }

  /** A percentage with two or three significant digits. */
  static String pct(double p) {
    double a = Math.abs(p);
    return String.format(Locale.ROOT, a >= 10 ? "%.1f" : a >= 0.1 ? "%.2f" : "%.3f", p);
  }
}
