package dev.stepwise.engine.prompt;

import dev.stepwise.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's emphasis syntax, parsed as its {@code parse_prompt_attention} does
 * (stable-diffusion-webui modules/prompt_parser.py): plain Java, no tensors.
 *
 * <ul>
 *   <li>{@code (text)} multiplies the weight of {@code text} by 1.1, {@code [text]} by 1 / 1.1;
 *       nesting multiplies, innermost bracket first.
 *   <li>{@code (text:w)} multiplies by {@code w} (a signed decimal such as {@code 1.3}, {@code .5},
 *       {@code -1}; spaces are allowed around it). The weight part only counts inside an open
 *       {@code (}; elsewhere {@code :1.3)} is plain text.
 *   <li>{@code \(} {@code \)} {@code \[} {@code \]} {@code \\} are the literal characters; a
 *       backslash before anything else is dropped.
 *   <li>A bracket that is never closed applies to the end of the prompt (round ones first, then
 *       square ones, each from the outermost); a closing bracket with nothing open is plain text.
 *   <li>{@code BREAK} as a whole word (upper case) outside brackets, with the whitespace around it,
 *       becomes a {@link Run#isBreak() break marker}: a new 75-token chunk on CLIP models. Inside
 *       brackets the marker's weight is multiplied as well, and it is then the word "BREAK" with a
 *       negative weight rather than a break, as in A1111.
 *   <li>Adjacent runs with exactly equal weights are merged; an empty prompt is one empty run of
 *       weight 1. Prompt editing ({@code [a:b:step]}, {@code [a|b]}) and extra-network tags such as
 *       {@code <lora:...>} are not interpreted here: their text stays in the runs.
 * </ul>
 *
 * <p>Weights are doubles multiplied in A1111's order, so they equal Python's floats bit for bit
 * (the text encoder then uses them as float32). Difference: a weight that is not a number (such as
 * {@code (a:1.2.3)}) makes A1111's Python raise ValueError; here it is refused with an {@link
 * EngineException}.
 */
public final class PromptAttention {
  /** One piece of prompt text and its emphasis weight, or a BREAK marker. */
  public record Run(String text, double weight) {
    /** A BREAK marker: A1111's {@code ["BREAK", -1]}. */
    public static final Run BREAK = new Run("BREAK", -1.0);

    public Run {
      if (text == null) {
        throw new EngineException("A prompt run needs a text, not null.");
      }
    }

    /** Whether this run starts a new chunk (exactly the text "BREAK" with weight -1). */
    public boolean isBreak() {
      return text.equals(BREAK.text) && weight == BREAK.weight;
    }
  }

  /** The round bracket's factor, and the square bracket's is its inverse (1 / 1.1). */
  public static final double ROUND = 1.1;

  private static final double SQUARE = 1 / 1.1;

  // The alternatives in A1111's order (prompt_parser.py re_attention); the first that matches
  // wins, and every character of a prompt is covered by one of them.
  private static final Pattern TOKEN =
      Pattern.compile(
          "\\\\\\(|\\\\\\)|\\\\\\[|\\\\]|\\\\\\\\|\\\\" // escapes, then a lone backslash
              + "|\\(|\\[" // openers
              + "|:\\s*([+-]?[.\\d]+)\\s*\\)" // weighted closer
              + "|\\)|]" // closers
              + "|[^\\\\()\\[\\]:]+" // plain text
              + "|:", // a colon on its own
          Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern BREAK_WORD =
      Pattern.compile("\\s*\\bBREAK\\b\\s*", Pattern.UNICODE_CHARACTER_CLASS | Pattern.DOTALL);

  private PromptAttention() {}

  /** Parses {@code prompt} into runs of text with their weights, and BREAK markers. */
  public static List<Run> parse(String prompt) {
    if (prompt == null) {
      throw new EngineException("The prompt is null; pass an empty string for no prompt.");
    }
    List<String> texts = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    List<Integer> round = new ArrayList<>(); // start index in the runs of each open '('
    List<Integer> square = new ArrayList<>(); // the same for '['
    Matcher m = TOKEN.matcher(prompt);
    while (m.find()) {
      String token = m.group();
      String weight = m.group(1);
      if (token.startsWith("\\")) {
        texts.add(token.substring(1));
        weights.add(1.0);
      } else if (token.equals("(")) {
        round.add(texts.size());
      } else if (token.equals("[")) {
        square.add(texts.size());
      } else if (weight != null && !round.isEmpty()) {
        multiply(weights, round.remove(round.size() - 1), number(weight, token));
      } else if (token.equals(")") && !round.isEmpty()) {
        multiply(weights, round.remove(round.size() - 1), ROUND);
      } else if (token.equals("]") && !square.isEmpty()) {
        multiply(weights, square.remove(square.size() - 1), SQUARE);
      } else {
        String[] parts = BREAK_WORD.split(token, -1);
        for (int i = 0; i < parts.length; i++) {
          if (i > 0) {
            texts.add(Run.BREAK.text());
            weights.add(Run.BREAK.weight());
          }
          texts.add(parts[i]);
          weights.add(1.0);
        }
      }
    }
    for (int start : round) {
      multiply(weights, start, ROUND);
    }
    for (int start : square) {
      multiply(weights, start, SQUARE);
    }
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last != null && last.weight() == weights.get(i)) {
        runs.set(runs.size() - 1, new Run(last.text() + texts.get(i), last.weight()));
      } else {
        runs.add(new Run(texts.get(i), weights.get(i)));
      }
    }
    if (runs.isEmpty()) {
      runs.add(new Run("", 1.0));
    }
    return List.copyOf(runs);
  }

  /** Whether {@code runs} is one run of weight exactly 1 that is not a BREAK: no emphasis. */
  public static boolean isPlain(List<Run> runs) {
    return runs.size() == 1 && runs.get(0).weight() == 1.0 && !runs.get(0).isBreak();
  }

  private static void multiply(List<Double> weights, int from, double factor) {
    for (int i = from; i < weights.size(); i++) {
      weights.set(i, weights.get(i) * factor);
    }
  }

  /** Python's float() of the matched digits (Unicode decimal digits read as their values). */
  private static double number(String digits, String token) {
    StringBuilder ascii = new StringBuilder(digits.length());
    digits
        .codePoints()
        .forEach(
            c ->
                ascii.append(
                    Character.isDigit(c) ? (char) ('0' + Character.digit(c, 10)) : (char) c));
    try {
      return Double.parseDouble(ascii.toString());
    } catch (NumberFormatException e) {
      throw new EngineException(
          "The emphasis weight in \""
              + token
              + "\" is not a number; write it like (word:1.3) or (word:.8).");
    }
  }
}
