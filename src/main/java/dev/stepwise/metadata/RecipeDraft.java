package dev.stepwise.metadata;

import com.google.gson.JsonElement;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fields one reader has found so far, each null until read. {@link #finish} fills what the file
 * did not record with A1111's defaults and says so in one sentence, so that no recipe is silently
 * made of defaults.
 */
final class RecipeDraft {
  private static final Pattern SIZE = Pattern.compile("\\(?\\s*(\\d+)\\s*[x×,*]\\s*(\\d+)\\s*\\)?");

  String prompt;
  String negative;
  Integer steps;
  String sampler;
  String schedule;
  Double cfg;
  Long seed;
  Integer width;
  Integer height;
  String model;
  String modelHash;
  String version;
  final Map<String, String> extras = new LinkedHashMap<>();
  final List<String> notices = new ArrayList<>();

  /** A count (steps, width, height) of 1 or more, or null after a notice naming a bad value. */
  Integer count(JsonElement e, String key) {
    Long n = whole(e, key, 1, Integer.MAX_VALUE);
    return n == null ? null : n.intValue();
  }

  /** A seed, or null after a notice naming a bad value. */
  Long seed(JsonElement e, String key) {
    return whole(e, key, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** A finite number, or null after a notice naming a bad value. */
  Double number(JsonElement e, String key) {
    BigDecimal d = e == null || e.isJsonNull() ? null : Json.num(e);
    if (d == null || !Double.isFinite(d.doubleValue())) {
      if (e != null && !e.isJsonNull()) {
        bad(key, e, "a number");
      }
      return null;
    }
    return d.doubleValue();
  }

  /** Reads a size written as {@code 1024x768}, {@code 1024 x 768} or {@code (1024, 768)}. */
  void size(String text, String key) {
    if (text == null) {
      return;
    }
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches() || m.group(1).length() > 9 || m.group(2).length() > 9) {
      notices.add(key + " '" + clip(text) + "' is not a size such as 1024x768; it is not used.");
      return;
    }
    int w = Integer.parseInt(m.group(1));
    int h = Integer.parseInt(m.group(2));
    if (w >= 1 && h >= 1) {
      width = w;
      height = h;
    }
  }

  /** A whole number in range, or null after a notice naming the bad value. */
  Long whole(JsonElement e, String key, long min, long max) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    BigDecimal d = Json.num(e);
    try {
      long n = d == null ? 0 : d.longValueExact();
      if (d != null && n >= min && n <= max) {
        return n;
      }
    } catch (ArithmeticException ex) {
      // not whole, or beyond a long: named below
    }
    bad(key, e, min == 1 ? "a whole number of 1 or more" : "a whole number Stepwise can hold");
    return null;
  }

  private void bad(String key, JsonElement e, String allowed) {
    notices.add(
        "The image's "
            + key
            + " '"
            + clip(Json.text(e))
            + "' is not "
            + allowed
            + ", so it is not used.");
  }

  /** Keeps a key Stepwise has no field for, as A1111 keys must be spelled; null values skipped. */
  void extra(String key, String value) {
    if (key == null || value == null || value.isEmpty()) {
      return;
    }
    String k =
        key.strip().replaceAll("[^\\p{L}\\p{N}_ \\-/]", "_").replaceAll("^[^\\p{L}\\p{N}_]+", "");
    if (k.codePointCount(0, k.length()) < 2 || GenerationParameters.FIELD_KEYS.contains(k)) {
      return;
    }
    extras.putIfAbsent(k, value);
  }

  void extra(String key, JsonElement value) {
    extra(key, Json.text(value));
  }

  /**
   * The parameters read, each field the file did not record given A1111's default with one sentence
   * naming them all.
   */
  ParametersRead finish(String tool) {
    List<String> missing = new ArrayList<>();
    List<String> used = new ArrayList<>();
    if (prompt == null) {
      prompt = "";
      missing.add("prompt");
      used.add("an empty prompt");
    }
    if (sampler == null || sampler.isBlank()) {
      sampler = InfoText.DEFAULT_SAMPLER;
      missing.add("sampler");
      used.add(InfoText.DEFAULT_SAMPLER);
    }
    if (steps == null) {
      steps = InfoText.DEFAULT_STEPS;
      missing.add("steps");
      used.add(InfoText.DEFAULT_STEPS + " steps");
    }
    if (cfg == null) {
      cfg = InfoText.DEFAULT_CFG_SCALE;
      missing.add("CFG scale");
      used.add("CFG scale " + InfoText.formatNumber(InfoText.DEFAULT_CFG_SCALE));
    }
    if (seed == null) {
      seed = InfoText.DEFAULT_SEED;
      missing.add("seed");
      used.add("seed -1 (a new random seed)");
    }
    if (width == null || height == null) {
      width = width == null ? InfoText.DEFAULT_SIZE : width;
      height = height == null ? InfoText.DEFAULT_SIZE : height;
      missing.add("size");
      used.add(width + "x" + height);
    }
    List<String> out = new ArrayList<>(notices);
    if (!missing.isEmpty()) {
      out.add(
          "The image does not record its "
              + join(missing)
              + ", so Stepwise uses "
              + join(used)
              + (missing.size() == 1 ? " (A1111's default)." : " (A1111's defaults)."));
    }
    GenerationParameters p =
        new GenerationParameters(
            prompt,
            negative == null ? "" : negative,
            steps,
            sampler.strip(),
            schedule == null || schedule.isBlank() ? null : schedule.strip(),
            cfg,
            seed,
            width,
            height,
            blankToNull(modelHash),
            blankToNull(model),
            blankToNull(version),
            extras);
    return new ParametersRead(tool, p, out);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** "a", "a and b", "a, b and c". */
  static String join(List<String> items) {
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1))
        + " and "
        + items.get(items.size() - 1);
  }

  /** A value short enough to quote in a sentence. */
  static String clip(String s) {
    String t = s == null ? "null" : s.replaceAll("\\s+", " ").strip();
    return t.length() > 60 ? t.substring(0, 57) + "..." : t;
  }

  /**
   * Lower case without separators: "Negative prompt", "negative_prompt" and "NegativePrompt" meet.
   */
  static String norm(String key) {
    return key.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
  }
}
