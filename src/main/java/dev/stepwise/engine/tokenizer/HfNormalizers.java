package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The supported subset of HuggingFace tokenizers' normalizers (tokenizers/src/normalizers), read
 * from the {@code "normalizer"} field of tokenizer.json and applied as plain string functions.
 *
 * <ul>
 *   <li>{@code null}: text unchanged.
 *   <li>{@code Lowercase}: {@link String#toLowerCase(Locale)} with {@link Locale#ROOT}.
 *   <li>{@code NFC}, {@code NFKC}, {@code NFD}: {@link Normalizer} forms.
 *   <li>{@code StripAccents}: removes combining marks (general category M).
 *   <li>{@code Strip} ({@code strip_left}, {@code strip_right}, both default true): removes Unicode
 *       whitespace at the chosen ends.
 *   <li>{@code Replace} ({@code pattern}: {@code {"String": s}} or {@code {"Regex": r}}, {@code
 *       content}): replaces every match with {@code content}; a regex is compiled by
 *       java.util.regex with Unicode classes, so Rust-only regex syntax is refused, and run with a
 *       bounded cost ({@link FileRegex}).
 *   <li>{@code Sequence} ({@code normalizers}): applies each in order.
 * </ul>
 */
final class HfNormalizers {
  static final List<String> SUPPORTED =
      List.of("Lowercase", "NFC", "NFKC", "NFD", "StripAccents", "Strip", "Replace", "Sequence");

  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern LEADING_SPACE =
      Pattern.compile("^\\s+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern TRAILING_SPACE =
      Pattern.compile("\\s+$", Pattern.UNICODE_CHARACTER_CLASS);

  private HfNormalizers() {}

  /** Parses a normalizer; JSON null or absent gives the identity. */
  static UnaryOperator<String> parse(JsonElement json, String origin) {
    if (json == null || json.isJsonNull()) {
      return UnaryOperator.identity();
    }
    if (!json.isJsonObject()) {
      throw new ModelPackException(
          "The normalizer in " + origin + " must be a JSON object or null.");
    }
    JsonObject object = json.getAsJsonObject();
    String type = TokenizerFiles.string(object, "type", origin + " normalizer");
    String where = origin + " normalizer " + type;
    switch (type == null ? "" : type) {
      case "Lowercase":
        return s -> s.toLowerCase(Locale.ROOT);
      case "NFC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFC);
      case "NFKC":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
      case "NFD":
        return s -> Normalizer.normalize(s, Normalizer.Form.NFD);
      case "StripAccents":
        return s -> MARKS.matcher(s).replaceAll("");
      case "Strip":
        return strip(
            TokenizerFiles.bool(object, "strip_left", true, where),
            TokenizerFiles.bool(object, "strip_right", true, where));
      case "Replace":
        return replace(object, where, origin);
      case "Sequence":
        return sequence(object, origin);
      default:
        throw new ModelPackException(
            "The normalizer type "
                + type
                + " in "
                + origin
                + " is not supported; supported normalizers are "
                + String.join(", ", SUPPORTED)
                + " and null.");
    }
  }

  private static UnaryOperator<String> strip(boolean left, boolean right) {
    return s -> {
      String out = left ? LEADING_SPACE.matcher(s).replaceFirst("") : s;
      return right ? TRAILING_SPACE.matcher(out).replaceFirst("") : out;
    };
  }

  private static UnaryOperator<String> replace(JsonObject object, String where, String origin) {
    String content = TokenizerFiles.string(object, "content", where);
    if (content == null) {
      throw new ModelPackException("The " + where + " needs a \"content\" string.");
    }
    FileRegex pattern = HfPatterns.compile(object, where, "Replace", origin);
    if (pattern == null) {
      return UnaryOperator.identity(); // an empty string pattern matches nothing, as upstream
    }
    String replacement = Matcher.quoteReplacement(content);
    return s -> pattern.apply(s, m -> m.replaceAll(replacement));
  }

  private static UnaryOperator<String> sequence(JsonObject object, String origin) {
    JsonElement list = TokenizerFiles.member(object, "normalizers");
    if (list == null || !list.isJsonArray()) {
      throw new ModelPackException(
          "The Sequence normalizer in " + origin + " needs a \"normalizers\" array.");
    }
    List<UnaryOperator<String>> steps = new ArrayList<>();
    for (JsonElement child : list.getAsJsonArray()) {
      steps.add(parse(child, origin));
    }
    return s -> {
      String out = s;
      for (UnaryOperator<String> step : steps) {
        out = step.apply(out);
      }
      return out;
    };
  }

  /**
   * Compile helper shared with {@link HfPreTokenizers}: unchecked regex errors become file errors.
   */
  static Pattern compileRegex(String regex, String where) {
    try {
      return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (PatternSyntaxException e) {
      // A pattern nested too deeply for the compiler's stack lands here too ("Stack overflow
      // during pattern compilation"), so a file can be megabytes of parentheses: quote a part.
      throw new ModelPackException(
          "The regex \""
              + FileRegex.shorten(regex)
              + "\" in "
              + where
              + " is not valid java.util.regex syntax ("
              + FileRegex.shorten(e.getDescription())
              + ").",
          e);
    }
  }
}
