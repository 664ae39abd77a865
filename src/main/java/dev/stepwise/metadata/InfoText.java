package dev.stepwise.metadata;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes and reads AUTOMATIC1111's generation-parameters text (the PNG {@code parameters} chunk).
 *
 * <p>The layout follows {@code create_infotext} in AUTOMATIC1111 modules/processing.py and {@code
 * parse_generation_parameters} in modules/infotext_utils.py: the prompt (any number of lines), an
 * optional line starting {@code Negative prompt: }, and a last line of {@code Key: value} pairs
 * joined by {@code ", "}.
 */
public final class InfoText {
  /** Marks the start of the negative prompt, as in A1111. */
  public static final String NEGATIVE_PREFIX = "Negative prompt:";

  /** Steps used when the text has none. */
  public static final int DEFAULT_STEPS = 20;

  /** Sampler used when the text has none: A1111's long-standing default. */
  public static final String DEFAULT_SAMPLER = "Euler a";

  /** CFG scale used when the text has none: A1111's default. */
  public static final double DEFAULT_CFG_SCALE = 7.0;

  /** Seed used when the text has none: A1111's "random" value. */
  public static final long DEFAULT_SEED = -1L;

  /** Width and height used when the text has no size: SD 1.x's native 512. */
  public static final int DEFAULT_SIZE = 512;

  private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)");
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  private InfoText() {}

  /**
   * Formats {@code p} exactly as A1111 would.
   *
   * <p>Key order is A1111's: Steps, Sampler, Schedule type, CFG scale, Image CFG scale, Seed, Face
   * restoration, Size, Model hash, Model, the other extras in their order, Version, User (the three
   * A1111 keys Image CFG scale, Face restoration and User are taken from {@code extras} into their
   * A1111 places). Null fields are left out. A CFG scale with no fraction is written without one
   * ({@code 7}, {@code 7.5}). A value holding a comma, colon or line break is written as a JSON
   * string, as A1111's {@code quote()} does; so, beyond A1111, is one that starts with a quote or
   * starts or ends with white space, so that it survives {@link #parse} unchanged.
   */
  public static String format(GenerationParameters p) {
    if (p == null) {
      throw new MetadataException("The generation parameters are missing; give them to format.");
    }
    Map<String, String> extras = new LinkedHashMap<>(p.extras());
    String imageCfg = extras.remove("Image CFG scale");
    String faceRestoration = extras.remove("Face restoration");
    String user = extras.remove("User");

    StringBuilder line = new StringBuilder();
    append(line, "Steps", Integer.toString(p.steps()));
    append(line, "Sampler", p.sampler());
    append(line, "Schedule type", p.scheduleType());
    append(line, "CFG scale", formatNumber(p.guidance()));
    append(line, "Image CFG scale", imageCfg);
    append(line, "Seed", Long.toString(p.seed()));
    append(line, "Face restoration", faceRestoration);
    append(line, "Size", p.width() + "x" + p.height());
    append(line, "Model hash", p.modelHash());
    append(line, "Model", p.modelName());
    for (Map.Entry<String, String> e : extras.entrySet()) {
      append(line, e.getKey(), e.getValue());
    }
    append(line, "Version", p.version());
    append(line, "User", user);

    String negative =
        p.negativePrompt().isEmpty() ? "" : "\n" + NEGATIVE_PREFIX + " " + p.negativePrompt();
    return ParamLine.strip(p.prompt() + negative + "\n" + line);
  }

  /**
   * Writes a number as A1111 users see it: no fraction when it is whole ({@code 7}), otherwise the
   * shortest decimal ({@code 7.5}).
   */
  static String formatNumber(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  private static void append(StringBuilder line, String key, String value) {
    if (value == null) {
      return;
    }
    if (line.length() > 0) {
      line.append(", ");
    }
    line.append(key).append(": ").append(needsQuote(value) ? JsonString.quote(value) : value);
  }

  private static boolean needsQuote(String v) {
    if (v.indexOf(',') >= 0 || v.indexOf(':') >= 0 || v.indexOf('\n') >= 0) {
      return true; // A1111's rule
    }
    return !v.isEmpty()
        && (v.charAt(0) == '"'
            || ParamLine.isSpace(v.codePointAt(0))
            || ParamLine.isSpace(v.codePointBefore(v.length())));
  }

  /**
   * Reads A1111 parameters text into {@link GenerationParameters}.
   *
   * <p>As in A1111, the last line holds the parameters only when it has at least 3 {@code Key:
   * value} matches; otherwise the whole text is prompt. Each prompt line is stripped of surrounding
   * white space and lines are joined with {@code \n}; from the first line starting with {@code
   * Negative prompt:} on, lines belong to the negative prompt. JSON-quoted values are unquoted
   * (left as they are when the quoting is not valid JSON); a key with an empty value is skipped, as
   * A1111 does; a repeated key keeps its first place and its last value. Missing keys get {@link
   * #DEFAULT_STEPS}, {@link #DEFAULT_SAMPLER}, {@link #DEFAULT_CFG_SCALE}, {@link #DEFAULT_SEED},
   * {@link #DEFAULT_SIZE} by {@link #DEFAULT_SIZE}, and null for schedule type, model hash, model
   * and version; A1111's implied keys (such as {@code Clip skip: 1}) are not invented. Unknown keys
   * go to {@code extras} in order with their values as written (an {@code 1024x1024} value stays
   * one string).
   *
   * <p>{@code format(parse(t))} gives back {@code t} for texts A1111 writes, and {@code
   * parse(format(p))} gives back {@code p} when no prompt line has surrounding white space or
   * starts with {@code Negative prompt:}.
   *
   * @throws MetadataException when Steps, CFG scale, Seed or Size holds something that is not a
   *     number of the right kind, or the values break {@link GenerationParameters}' rules
   */
  public static GenerationParameters parse(String text) {
    if (text == null) {
      throw new MetadataException(
          "The parameters text is missing; give a text, which may be empty.");
    }
    String[] all = ParamLine.strip(text).split("\n", -1);
    String last = all[all.length - 1];
    List<String[]> pairs = ParamLine.findAll(last);
    int promptLines = all.length;
    if (pairs.size() >= 3) {
      promptLines--;
    } else {
      pairs = List.of();
    }

    StringBuilder prompt = new StringBuilder();
    StringBuilder negative = new StringBuilder();
    boolean inNegative = false;
    for (int i = 0; i < promptLines; i++) {
      String line = ParamLine.strip(all[i]);
      if (line.startsWith(NEGATIVE_PREFIX)) {
        inNegative = true;
        line = ParamLine.strip(line.substring(NEGATIVE_PREFIX.length()));
      }
      StringBuilder target = inNegative ? negative : prompt;
      if (target.length() > 0) {
        target.append('\n');
      }
      target.append(line);
    }

    Map<String, String> values = unquoted(pairs);
    return fromValues(prompt.toString(), negative.toString(), values);
  }

  /**
   * The keys and values of the text's parameters line as {@link #parse} reads them (unquoted, empty
   * values skipped, a repeated key keeping its last value); empty when the last line holds fewer
   * than 3 pairs and so is prompt. Readers use it to tell a key the text lacks from one it holds.
   */
  static Map<String, String> values(String text) {
    String[] all = ParamLine.strip(text).split("\n", -1);
    List<String[]> pairs = ParamLine.findAll(all[all.length - 1]);
    return pairs.size() >= 3 ? unquoted(pairs) : new LinkedHashMap<>();
  }

  private static Map<String, String> unquoted(List<String[]> pairs) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String[] kv : pairs) {
      String v = kv[1];
      if (v.isEmpty()) {
        continue; // A1111 fails on v[0] and skips the key
      }
      if (v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
        String unquoted = JsonString.unquote(v);
        if (unquoted != null) {
          v = unquoted;
        }
      }
      values.put(kv[0], v);
    }
    return values;
  }

  private static GenerationParameters fromValues(
      String prompt, String negative, Map<String, String> values) {
    Map<String, String> extras = new LinkedHashMap<>(values);
    extras.keySet().removeAll(GenerationParameters.FIELD_KEYS);
    extras.values().removeIf(String::isEmpty);

    int steps = DEFAULT_STEPS;
    if (values.containsKey("Steps")) {
      steps = (int) parseWhole("Steps", values.get("Steps"), 1, Integer.MAX_VALUE);
    }
    double guidance = DEFAULT_CFG_SCALE;
    // ComfyUI's saver nodes write "CFG Scale"; A1111 would drop it and use its default.
    String cfgKey =
        values.containsKey("CFG scale")
            ? "CFG scale"
            : values.containsKey("CFG Scale") ? "CFG Scale" : null;
    extras.remove("CFG Scale");
    if (cfgKey != null) {
      String v = values.get(cfgKey).strip();
      if (!DECIMAL.matcher(v).matches() || !Double.isFinite(Double.parseDouble(v))) {
        throw new MetadataException(
            "CFG scale '" + v + "' in the image parameters is not a decimal number.");
      }
      guidance = Double.parseDouble(v);
    }
    long seed = DEFAULT_SEED;
    if (values.containsKey("Seed")) {
      seed = parseWhole("Seed", values.get("Seed"), Long.MIN_VALUE, Long.MAX_VALUE);
    }
    int width = DEFAULT_SIZE;
    int height = DEFAULT_SIZE;
    if (values.containsKey("Size")) {
      String v = values.get("Size").strip();
      var m = SIZE.matcher(v);
      if (!m.matches()) {
        throw new MetadataException(
            "Size '" + v + "' in the image parameters is not WIDTHxHEIGHT, such as 512x512.");
      }
      width = (int) parseWhole("Size width", m.group(1), 1, Integer.MAX_VALUE);
      height = (int) parseWhole("Size height", m.group(2), 1, Integer.MAX_VALUE);
    }
    String sampler = values.getOrDefault("Sampler", DEFAULT_SAMPLER);
    if (sampler.isBlank()) {
      sampler = DEFAULT_SAMPLER;
    }
    return new GenerationParameters(
        prompt,
        negative,
        steps,
        sampler,
        values.get("Schedule type"),
        guidance,
        seed,
        width,
        height,
        values.get("Model hash"),
        values.get("Model"),
        values.get("Version"),
        extras);
  }

  private static long parseWhole(String key, String raw, long min, long max) {
    String v = raw.strip();
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new MetadataException(
          key + " '" + v + "' in the image parameters is not a whole number.", e);
    }
    if (n < min || n > max) {
      throw new MetadataException(
          key
              + " "
              + n
              + " in the image parameters is out of range; allowed is "
              + min
              + " to "
              + max
              + ".");
    }
    return n;
  }
}
