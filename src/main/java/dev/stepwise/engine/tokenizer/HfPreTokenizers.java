package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The supported subset of HuggingFace tokenizers' pre-tokenizers (tokenizers/src/pre_tokenizers),
 * read from the {@code "pre_tokenizer"} field of tokenizer.json. A pre-tokenizer cuts normalised
 * text into words, given as {@code [start, end)} character spans; empty words are dropped.
 *
 * <ul>
 *   <li>{@code null}: the whole text is one word.
 *   <li>{@code Whitespace}: the matches of {@code \w+|[^\w\s]+} (Unicode classes).
 *   <li>{@code WhitespaceSplit}: runs of non-whitespace.
 *   <li>{@code Punctuation} ({@code behavior}, default Isolated): each punctuation character (ASCII
 *       punctuation or Unicode category P) is a delimiter.
 *   <li>{@code Split} ({@code pattern} String or Regex, {@code behavior}, {@code invert}): the
 *       pattern's matches are delimiters (or, inverted, the words); the pattern runs with a bounded
 *       cost ({@link FileRegex}).
 *   <li>{@code Sequence} ({@code pretokenizers}): each applies to the words of the previous.
 * </ul>
 *
 * <p>Delimiter behaviours follow tokenizers' NormalizedString::split: Removed, Isolated,
 * MergedWithPrevious, MergedWithNext, Contiguous. Zero-length matches are ignored.
 */
final class HfPreTokenizers {
  static final List<String> SUPPORTED =
      List.of("Whitespace", "WhitespaceSplit", "Punctuation", "Split", "Sequence");

  /** Cuts text into word spans. */
  interface Splitter {
    /** Spans {@code {start, end}} of the words of {@code text}, in order, none empty. */
    List<int[]> split(String text);
  }

  private enum Behavior {
    REMOVED,
    ISOLATED,
    MERGED_WITH_PREVIOUS,
    MERGED_WITH_NEXT,
    CONTIGUOUS
  }

  private static final Pattern WORDS =
      Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern NON_SPACE = Pattern.compile("\\S+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern PUNCTUATION = Pattern.compile("[\\p{Punct}\\p{IsPunctuation}]");

  private HfPreTokenizers() {}

  /** Parses a pre-tokenizer; JSON null or absent gives one word for the whole text. */
  static Splitter parse(JsonElement json, String origin) {
    if (json == null || json.isJsonNull()) {
      return text -> text.isEmpty() ? List.of() : List.of(new int[] {0, text.length()});
    }
    if (!json.isJsonObject()) {
      throw new ModelPackException(
          "The pre_tokenizer in " + origin + " must be a JSON object or null.");
    }
    JsonObject object = json.getAsJsonObject();
    String type = TokenizerFiles.string(object, "type", origin + " pre_tokenizer");
    String where = origin + " pre_tokenizer " + type;
    switch (type == null ? "" : type) {
      case "Whitespace":
        return text -> matches(WORDS, text);
      case "WhitespaceSplit":
        return text -> matches(NON_SPACE, text);
      case "Punctuation":
        {
          Behavior behavior = behavior(object, Behavior.ISOLATED, where);
          return text -> apply(segments(PUNCTUATION.matcher(text), text, false), behavior);
        }
      case "Split":
        {
          FileRegex pattern = HfPatterns.compile(object, where, "Split", origin);
          Behavior behavior = behavior(object, null, where);
          boolean invert = TokenizerFiles.bool(object, "invert", false, where);
          if (pattern == null) {
            return text -> text.isEmpty() ? List.of() : List.of(new int[] {0, text.length()});
          }
          return text -> apply(pattern.apply(text, m -> segments(m, text, invert)), behavior);
        }
      case "Sequence":
        return sequence(object, origin);
      default:
        throw new ModelPackException(
            "The pre-tokenizer type "
                + type
                + " in "
                + origin
                + " is not supported; supported pre-tokenizers are "
                + String.join(", ", SUPPORTED)
                + " and null.");
    }
  }

  private static Splitter sequence(JsonObject object, String origin) {
    JsonElement list = TokenizerFiles.member(object, "pretokenizers");
    if (list == null) {
      list = TokenizerFiles.member(object, "pre_tokenizers");
    }
    if (list == null || !list.isJsonArray()) {
      throw new ModelPackException(
          "The Sequence pre-tokenizer in " + origin + " needs a \"pretokenizers\" array.");
    }
    List<Splitter> steps = new ArrayList<>();
    for (JsonElement child : list.getAsJsonArray()) {
      steps.add(parse(child, origin));
    }
    return text -> {
      List<int[]> spans = text.isEmpty() ? List.of() : List.of(new int[] {0, text.length()});
      for (Splitter step : steps) {
        List<int[]> next = new ArrayList<>();
        for (int[] span : spans) {
          for (int[] inner : step.split(text.substring(span[0], span[1]))) {
            next.add(new int[] {span[0] + inner[0], span[0] + inner[1]});
          }
        }
        spans = next;
      }
      return spans;
    };
  }

  private static Behavior behavior(JsonObject object, Behavior fallback, String where) {
    String name = TokenizerFiles.string(object, "behavior", where);
    if (name == null) {
      if (fallback == null) {
        throw new ModelPackException("The " + where + " needs a \"behavior\".");
      }
      return fallback;
    }
    switch (name.toLowerCase(Locale.ROOT)) {
      case "removed":
        return Behavior.REMOVED;
      case "isolated":
        return Behavior.ISOLATED;
      case "mergedwithprevious":
        return Behavior.MERGED_WITH_PREVIOUS;
      case "mergedwithnext":
        return Behavior.MERGED_WITH_NEXT;
      case "contiguous":
        return Behavior.CONTIGUOUS;
      default:
        throw new ModelPackException(
            "The behavior "
                + name
                + " in "
                + where
                + " is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext,"
                + " Contiguous.");
    }
  }

  /** The non-empty matches of {@code pattern} as spans (the words are the matches). */
  private static List<int[]> matches(Pattern pattern, String text) {
    List<int[]> spans = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      if (m.end() > m.start()) {
        spans.add(new int[] {m.start(), m.end()});
      }
    }
    return spans;
  }

  /**
   * Covers {@code text} with {@code {start, end, isDelimiter}} segments: each non-empty match of
   * {@code m} (a matcher over {@code text}) is a delimiter, the text between matches is not; {@code
   * invert} swaps the two (tokenizers tokenizer/pattern.rs find_matches and Invert).
   */
  private static List<int[]> segments(Matcher m, String text, boolean invert) {
    List<int[]> out = new ArrayList<>();
    int prev = 0;
    while (m.find()) {
      if (m.end() == m.start()) {
        continue;
      }
      if (m.start() > prev) {
        out.add(new int[] {prev, m.start(), invert ? 1 : 0});
      }
      out.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
      prev = m.end();
    }
    if (prev < text.length()) {
      out.add(new int[] {prev, text.length(), invert ? 1 : 0});
    }
    return out;
  }

  /** Turns delimiter segments into word spans (tokenizers NormalizedString::split). */
  private static List<int[]> apply(List<int[]> segments, Behavior behavior) {
    List<int[]> out = new ArrayList<>();
    boolean previousDelimiter = false;
    switch (behavior) {
      case REMOVED:
        for (int[] s : segments) {
          if (s[2] == 0) {
            out.add(new int[] {s[0], s[1]});
          }
        }
        break;
      case ISOLATED:
        for (int[] s : segments) {
          out.add(new int[] {s[0], s[1]});
        }
        break;
      case CONTIGUOUS:
        for (int[] s : segments) {
          boolean delimiter = s[2] == 1;
          if (!out.isEmpty() && delimiter == previousDelimiter) {
            out.get(out.size() - 1)[1] = s[1];
          } else {
            out.add(new int[] {s[0], s[1]});
          }
          previousDelimiter = delimiter;
        }
        break;
      case MERGED_WITH_PREVIOUS:
        for (int[] s : segments) {
          boolean delimiter = s[2] == 1;
          if (delimiter && !previousDelimiter && !out.isEmpty()) {
            out.get(out.size() - 1)[1] = s[1];
          } else {
            out.add(new int[] {s[0], s[1]});
          }
          previousDelimiter = delimiter;
        }
        break;
      case MERGED_WITH_NEXT:
        for (int i = segments.size() - 1; i >= 0; i--) {
          int[] s = segments.get(i);
          boolean delimiter = s[2] == 1;
          if (delimiter && !previousDelimiter && !out.isEmpty()) {
            out.get(out.size() - 1)[0] = s[0];
          } else {
            out.add(new int[] {s[0], s[1]});
          }
          previousDelimiter = delimiter;
        }
        java.util.Collections.reverse(out);
        break;
      default:
        throw new IllegalStateException(behavior.name());
    }
    return out;
  }
}
