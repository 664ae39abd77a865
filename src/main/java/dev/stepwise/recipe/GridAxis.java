package dev.stepwise.recipe;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * One axis of a compare grid, AUTOMATIC1111's X/Y/Z plot (scripts/xyz_grid.py): a setting and the
 * values it takes, one column (X) or row (Y) each. The values are checked when the axis is made, so
 * a grid never starts with a value the engine would refuse half-way.
 *
 * @param kind the setting
 * @param values the values as given, trimmed, in order; at least one
 */
public record GridAxis(Kind kind, List<String> values) {
  /** The most values one axis takes. */
  public static final int MAX_VALUES = 64;

  /** The settings an axis can vary, with A1111's axis names. */
  public enum Kind {
    GUIDANCE("guidance", "CFG Scale"),
    STEPS("steps", "Steps"),
    SAMPLER("sampler", "Sampler"),
    SEED("seed", "Seed"),
    /** A1111's "Prompt S/R": the first value is searched for and replaced by each value. */
    PROMPT("prompt", "Prompt S/R");

    private final String cliName;
    private final String a1111Name;

    Kind(String cliName, String a1111Name) {
      this.cliName = cliName;
      this.a1111Name = a1111Name;
    }

    /** The name in {@code --grid NAME=...}. */
    public String cliName() {
      return cliName;
    }

    /** A1111's axis type, as its grid's "X Type" says. */
    public String a1111Name() {
      return a1111Name;
    }

    /** The kind named {@code name} (its CLI name, or A1111's, in any case), or null. */
    public static Kind of(String name) {
      for (Kind k : values()) {
        if (k.cliName.equalsIgnoreCase(name.strip())
            || k.a1111Name.equalsIgnoreCase(name.strip())) {
          return k;
        }
      }
      return null;
    }
  }

  /** Copies the values and checks each against the setting's limits. */
  public GridAxis {
    if (kind == null) {
      throw new RecipeException("A grid axis needs a setting to vary.");
    }
    values = List.copyOf(values);
    if (values.isEmpty() || values.size() > MAX_VALUES) {
      throw new RecipeException(
          "A grid axis takes 1 to "
              + MAX_VALUES
              + " values, got "
              + values.size()
              + " for "
              + kind.cliName
              + ".");
    }
    for (String v : values) {
      check(kind, v);
    }
  }

  /**
   * Reads {@code NAME=V1,V2,...} (the {@code --grid} option): values are split at commas, a value
   * in double quotes may hold commas ({@code prompt="red, shiny",blue}), and surrounding spaces are
   * dropped, as A1111 reads its axis values (csv).
   */
  public static GridAxis parse(String spec) {
    int eq = spec == null ? -1 : spec.indexOf('=');
    if (eq < 1) {
      throw new RecipeException(
          "A grid axis is written NAME=VALUE,VALUE,... such as guidance=1,3,5,7.5, got \""
              + spec
              + "\".");
    }
    Kind kind = Kind.of(spec.substring(0, eq));
    if (kind == null) {
      throw new RecipeException(
          "A grid axis is one of guidance, steps, sampler, seed or prompt, got \""
              + spec.substring(0, eq).strip()
              + "\".");
    }
    return new GridAxis(kind, splitValues(spec.substring(eq + 1), kind));
  }

  private static List<String> splitValues(String text, Kind kind) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cur.append('"'); // "" inside quotes is one quote, as csv
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == ',' && !quoted) {
        out.add(cur.toString().strip());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (quoted) {
      throw new RecipeException(
          "The grid's " + kind.cliName + " values have an unclosed quote: " + text + ".");
    }
    out.add(cur.toString().strip());
    return out;
  }

  private static void check(Kind kind, String v) {
    if (v == null || v.isEmpty()) {
      throw new RecipeException(
          "The grid's " + kind.cliName + " values must not be empty; separate values by commas.");
    }
    switch (kind) {
      case GUIDANCE -> {
        double g = number(v);
        if (!(g >= Settings.MIN_GUIDANCE && g <= Settings.MAX_GUIDANCE)) {
          throw new RecipeException(
              "The grid's guidance values must be numbers from 0 to 30, got \"" + v + "\".");
        }
      }
      case STEPS -> {
        long n = whole(v);
        if (n < 1 || n > Settings.MAX_STEPS) {
          throw new RecipeException(
              "The grid's steps values must be whole numbers from 1 to "
                  + Settings.MAX_STEPS
                  + ", got \""
                  + v
                  + "\".");
        }
      }
      case SAMPLER -> {
        try {
          Sampler.parse(v);
        } catch (RecipeException e) {
          throw new RecipeException(
              "The grid's sampler values must be "
                  + Sampler.cliNameList()
                  + ", got \""
                  + v
                  + "\".");
        }
      }
      case SEED -> {
        try {
          Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
          throw new RecipeException(
              "The grid's seed values must be whole numbers, got \"" + v + "\".");
        }
      }
      case PROMPT -> {
        // any text; the first must occur in the prompt (GridPlan checks it against the settings)
      }
    }
  }

  private static double number(String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static long whole(String v) {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  /** How many values. */
  public int size() {
    return values.size();
  }

  /**
   * {@code s} with value {@code i} of this axis. A sampler that takes no Karras sigmas runs without
   * them; a prompt value replaces every occurrence of the first value in the prompt and the
   * negative prompt (A1111's {@code apply_prompt}).
   */
  public Settings apply(Settings s, int i) {
    String v = values.get(i);
    return switch (kind) {
      case GUIDANCE ->
          rebuild(
              s,
              s.prompt(),
              s.negativePrompt(),
              s.sampler(),
              s.karras(),
              s.steps(),
              Double.parseDouble(v),
              s.seed());
      case STEPS ->
          rebuild(
              s,
              s.prompt(),
              s.negativePrompt(),
              s.sampler(),
              s.karras(),
              Integer.parseInt(v.strip()),
              s.guidance(),
              s.seed());
      case SAMPLER -> {
        Sampler sampler = Sampler.parse(v);
        yield rebuild(
            s,
            s.prompt(),
            s.negativePrompt(),
            sampler,
            s.karras() && sampler.takesKarras(),
            s.steps(),
            s.guidance(),
            s.seed());
      }
      case SEED ->
          rebuild(
              s,
              s.prompt(),
              s.negativePrompt(),
              s.sampler(),
              s.karras(),
              s.steps(),
              s.guidance(),
              Long.parseLong(v.strip()));
      case PROMPT ->
          rebuild(
              s,
              s.prompt().replace(values.get(0), v),
              s.negativePrompt().replace(values.get(0), v),
              s.sampler(),
              s.karras(),
              s.steps(),
              s.guidance(),
              s.seed());
    };
  }

  private static Settings rebuild(
      Settings s,
      String prompt,
      String negative,
      Sampler sampler,
      boolean karras,
      int steps,
      double guidance,
      long seed) {
    return new Settings(
        prompt,
        negative,
        sampler,
        karras,
        s.eta(),
        steps,
        guidance,
        seed,
        s.width(),
        s.height(),
        s.clipSkip(),
        s.variationSeed(),
        s.variationStrength());
  }

  /**
   * The sentence for {@code s} when this is a prompt axis whose first value is in neither its
   * prompt nor its negative prompt (A1111 refuses that too), else null.
   */
  public String problemWith(Settings s) {
    String first = values.get(0);
    if (kind == Kind.PROMPT && !s.prompt().contains(first) && !s.negativePrompt().contains(first)) {
      return "The grid's prompt values replace their first value, \""
          + first
          + "\", which is in neither the prompt nor the negative prompt.";
    }
    return null;
  }

  /**
   * Value {@code i}'s label on the grid, as A1111 draws it: {@code CFG Scale: 7.5}, {@code Steps:
   * 20}, {@code Seed: 42}, and the value alone for a sampler or a prompt.
   */
  public String label(int i) {
    String v = values.get(i);
    return switch (kind) {
      case GUIDANCE -> kind.a1111Name + ": " + pythonFloat(Double.parseDouble(v));
      case STEPS, SEED -> kind.a1111Name + ": " + Long.parseLong(v.strip());
      case SAMPLER -> Sampler.parse(v).displayName();
      case PROMPT -> v;
    };
  }

  /**
   * The values as A1111's "X Values" holds them: joined by commas, a value with a comma or quote in
   * quotes (csv); samplers by their A1111 names.
   */
  public String valuesText() {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      String w = kind == Kind.SAMPLER ? Sampler.parse(v).displayName() : v;
      out.add(w.contains(",") || w.contains("\"") ? "\"" + w.replace("\"", "\"\"") + "\"" : w);
    }
    return String.join(",", out);
  }

  /** A float as Python writes it: {@code 1.0}, {@code 7.5}. */
  private static String pythonFloat(double d) {
    String s = new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    return s.contains(".") ? s : s + ".0";
  }
}
