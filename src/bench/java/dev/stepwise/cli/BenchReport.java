package dev.stepwise.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.stepwise.engine.bench.Timing;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * What {@code stepwise bench} reports: lines of text for a person, and the same figures as one flat
 * JSON object ({@code --json}) for comparing runs across commits. Keys are lower_snake_case; a
 * timed figure {@code K} comes with {@code K_min}, {@code K_max} and {@code K_samples}; a figure
 * measured at a latent size ends in {@code _<side>} before those suffixes ({@code
 * sd15_guided_step_ms_64_min}). A value that could not be measured (NaN, a negative memory reading
 * off Linux) is left out rather than written as a non-number.
 */
final class BenchReport {
  private final PrintWriter text;
  private final JsonObject json = new JsonObject();

  /** A report whose text goes to {@code text}. */
  BenchReport(PrintWriter text) {
    this.text = text;
  }

  /** Prints one formatted line of text (Locale.ROOT) and flushes it. */
  void line(String format, Object... args) {
    text.printf(Locale.ROOT, format + "%n", args);
    text.flush();
  }

  /** Prints {@code s} as it is, then a line break. */
  void println(String s) {
    text.println(s);
    text.flush();
  }

  /** A number, to 7 significant digits; left out when not finite. */
  void put(String key, double value) {
    if (Double.isFinite(value)) {
      json.addProperty(
          key,
          new java.math.BigDecimal(value).round(java.math.MathContext.DECIMAL32).doubleValue());
    }
  }

  void put(String key, long value) {
    json.addProperty(key, value);
  }

  void put(String key, String value) {
    if (value != null) {
      json.addProperty(key, value);
    }
  }

  void put(String key, boolean value) {
    json.addProperty(key, value);
  }

  /** Resident memory in MB (10^6 bytes); left out when unknown (negative). */
  void putMb(String key, long bytes) {
    if (bytes >= 0) {
      json.addProperty(key, Math.round(bytes / 1e5) / 10.0);
    }
  }

  /** A timed figure: {@code key} (the median, ms), {@code key_min}, {@code key_max}, samples. */
  void figure(String key, Timing.Figure f) {
    put(key, f.ms());
    put(key + "_min", f.min());
    put(key + "_max", f.max());
    put(key + "_samples", (long) f.samples());
  }

  /** Whether {@code key} was reported. */
  boolean has(String key) {
    return json.has(key);
  }

  /** The JSON object so far (a copy). */
  JsonObject json() {
    return json.deepCopy();
  }

  /** The whole object on one line, for stdout. */
  String jsonLine() {
    return new GsonBuilder().disableHtmlEscaping().create().toJson(json);
  }

  /**
   * One preview line, " label: 1.23 ms = 4.5% of a guided step (median of ...)", and its figure as
   * {@code key} when {@code key} is not null.
   */
  void previewLine(String key, String label, Timing.Figure f, double stepMs, String note) {
    line(
        "  %s: %s ms = %s%% of a guided step (%s%s)",
        label, fmt(f.ms()), pct(100 * f.ms() / stepMs), f.describe(), note);
    if (key != null) {
      figure(key, f);
    }
  }

  /** Megabytes for text, "?" when unknown. */
  static String mb(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f", bytes / 1e6);
  }

  /** A percentage with two or three significant digits, "n/a" when not finite. */
  static String pct(double p) {
    if (!Double.isFinite(p)) {
      return "n/a";
    }
    return String.format(
        Locale.ROOT, Math.abs(p) >= 10 ? "%.1f" : Math.abs(p) >= 0.1 ? "%.2f" : "%.3f", p);
  }

  /** "median 1.23 ms (min 1.20, max 1.31)" style: {@link Timing#fmt}. */
  static String fmt(double ms) {
    return Timing.fmt(ms);
  }
}
