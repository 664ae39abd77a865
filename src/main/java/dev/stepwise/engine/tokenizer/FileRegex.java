package dev.stepwise.engine.tokenizer;

import dev.stepwise.engine.ModelPackException;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A regular expression read from a tokenizer file (a Split pre-tokenizer's or a Replace
 * normalizer's pattern), run with a bounded cost.
 *
 * <p>HuggingFace tokenizers compiles these patterns with Rust's regex or Onig; java.util.regex
 * backtracks instead, so a crafted pattern can take exponential time ({@code (.*a){12}b} on forty
 * "a") or recurse until the stack overflows ({@code (?:a|b)*c} on a few thousand characters). The
 * text is therefore handed to the matcher as a {@link CharSequence} that counts the characters the
 * engine reads: the engine reads one (or more) for every step that consumes input, so the count
 * bounds the work. At most {@link #STEPS_PER_CHAR} reads per character of the text (plus one) are
 * allowed, far above what a linear or even quadratic pattern needs on a prompt; beyond that, or on
 * a {@link StackOverflowError} inside the engine, the tokenizer is refused for this text with one
 * sentence (a {@link ModelPackException}).
 */
final class FileRegex {
  /** Reads allowed per character of the text (and once more for the empty text). */
  static final long STEPS_PER_CHAR = 10_000;

  /** The longest part of the expression quoted in a message. */
  private static final int QUOTED = 60;

  private final Pattern pattern;
  private final String kind;
  private final String expression;
  private final String origin;

  /**
   * @param pattern the compiled expression
   * @param kind what the pattern belongs to, as the message names it: "Split" or "Replace"
   * @param expression the expression as the file spells it (quoted in the message)
   * @param origin the file, as messages name it
   */
  FileRegex(Pattern pattern, String kind, String expression, String origin) {
    this.pattern = pattern;
    this.kind = kind;
    this.expression = expression;
    this.origin = origin;
  }

  /**
   * Applies {@code work} to a matcher of the pattern over {@code text}; the matcher's indices are
   * those of {@code text}.
   *
   * @throws ModelPackException if matching exceeds the budget or overflows the stack
   */
  <T> T apply(String text, Function<Matcher, T> work) {
    long budget = STEPS_PER_CHAR * (text.length() + 1L);
    CountedText counted = new CountedText(text, budget);
    try {
      return work.apply(pattern.matcher(counted));
    } catch (BudgetExceeded e) {
      throw tooCostly(
          text, "it needed more than " + String.format(Locale.ROOT, "%,d", budget) + " steps");
    } catch (StackOverflowError e) {
      throw tooCostly(text, "its matching recursed too deeply");
    }
  }

  /** {@code text} cut to its first characters for a message. */
  static String shorten(String text) {
    return text.length() <= QUOTED ? text : text.substring(0, QUOTED) + "…";
  }

  private ModelPackException tooCostly(String text, String why) {
    String shown = shorten(expression);
    return new ModelPackException(
        "The tokenizer's "
            + kind
            + " pattern \""
            + shown
            + "\" in "
            + origin
            + " is too costly for this prompt (on "
            + text.length()
            + " characters "
            + why
            + "); use a shorter prompt or a model whose tokenizer has a simpler pattern.");
  }

  /** The text, counting every character read and stopping the match past the budget. */
  private static final class CountedText implements CharSequence {
    private final String text;
    private long left;

    CountedText(String text, long budget) {
      this.text = text;
      this.left = budget;
    }

    @Override
    public char charAt(int index) {
      if (--left < 0) {
        throw new BudgetExceeded();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.substring(start, end);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Thrown out of the matcher when the budget is spent; carries no stack trace. */
  private static final class BudgetExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BudgetExceeded() {
      super(null, null, false, false);
    }
  }
}
