package dev.stepwise.recipe;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compare grid, A1111's X/Y/Z plot (scripts/xyz_grid.py) without Z: X across, Y (or null) down;
 * cell {@code ix + iy * columns} is the base settings with X's value ix and Y's value iy.
 */
public record GridPlan(Axis x, Axis y) {
  /** What an axis varies, with A1111's axis names ("X Type"). */
  public enum Kind {
    GUIDANCE("CFG Scale"),
    STEPS("Steps"),
    SAMPLER("Sampler"),
    SEED("Seed"),
    PROMPT("Prompt S/R");

    public final String a1111;

    Kind(String a1111) {
      this.a1111 = a1111;
    }

    public String cliName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** An axis: a setting and its values, each checked against the setting's limits. */
  public record Axis(Kind kind, List<String> values) {
    public Axis {
      values = List.copyOf(values);
      for (String v : values) {
        String allowed =
            switch (kind) {
              case GUIDANCE ->
                  Settings.problem(1, d(v), 0, 0, 0) == null ? null : "numbers from 0 to 30";
              case STEPS ->
                  v.matches("\\d{1,5}") && Settings.problem(i(v), 1, 0, 0, 0) == null
                      ? null
                      : "whole numbers from 1 to 10000";
              case SEED -> v.matches("-?\\d{1,18}") ? null : "whole numbers";
              case SAMPLER -> sampler(v) != null ? null : Sampler.cliNameList();
              case PROMPT -> v.isEmpty() ? "texts" : null;
            };
        if (allowed != null) {
          throw new RecipeException(
              "The grid's "
                  + kind.cliName()
                  + " values must be "
                  + allowed
                  + ", got \""
                  + v
                  + "\".");
        }
      }
    }

    /** Reads {@code NAME=V1,V2,...}, values as csv (quotes may hold commas), trimmed. */
    public static Axis parse(String spec) {
      int eq = spec.indexOf('=');
      if (eq < 1) {
        throw new RecipeException(
            "A grid axis is written NAME=VALUE,VALUE,... such as guidance=1,3,5,7.5, got \""
                + spec
                + "\".");
      }
      String name = spec.substring(0, eq).strip();
      List<String> values = new ArrayList<>();
      StringBuilder cur = new StringBuilder();
      boolean quoted = false;
      String text = spec.substring(eq + 1) + ",";
      for (int k = 0; k < text.length(); k++) {
        char c = text.charAt(k);
        if (c == '"' && quoted && text.charAt(k + 1) == '"') {
          cur.append(text.charAt(k++)); // "" in quotes is one quote, as csv
        } else if (c == '"') {
          quoted = !quoted;
        } else if (c == ',' && !quoted) {
          values.add(cur.toString().strip());
          cur.setLength(0);
        } else {
          cur.append(c);
        }
      }
      for (Kind k : Kind.values()) {
        if (k.cliName().equalsIgnoreCase(name)) {
          return new Axis(k, values);
        }
      }
      throw new RecipeException(
          "A grid axis is one of guidance, steps, sampler, seed or prompt, got \"" + name + "\".");
    }

    /** {@code s} with value i (a prompt value replaces the first in both prompts, as A1111). */
    public Settings apply(Settings s, int i) {
      String v = values.get(i);
      Sampler sampler = kind == Kind.SAMPLER ? sampler(v) : s.sampler();
      boolean sr = kind == Kind.PROMPT;
      return new Settings(
          sr ? s.prompt().replace(values.get(0), v) : s.prompt(),
          sr ? s.negativePrompt().replace(values.get(0), v) : s.negativePrompt(),
          sampler,
          s.karras() && sampler.takesKarras(),
          s.eta(),
          kind == Kind.STEPS ? i(v) : s.steps(),
          kind == Kind.GUIDANCE ? d(v) : s.guidance(),
          kind == Kind.SEED ? Long.parseLong(v) : s.seed(),
          s.width(),
          s.height(),
          s.clipSkip(),
          s.variationSeed(),
          s.variationStrength());
    }

    /** Value i's label as A1111 draws it: {@code CFG Scale: 7.5}, {@code Steps: 20}, a sampler. */
    public String label(int i) {
      String v = values.get(i);
      return switch (kind) {
        case GUIDANCE ->
            "CFG Scale: "
                + new BigDecimal(Double.toString(d(v)))
                    .stripTrailingZeros()
                    .toPlainString()
                    .replaceAll("^[^.]*$", "$0.0");
        case STEPS, SEED -> kind.a1111 + ": " + v;
        case SAMPLER -> sampler(v).displayName();
        case PROMPT -> v;
      };
    }

    /** "X Values" as A1111 writes them: csv, samplers by A1111 name. */
    public String valuesText() {
      List<String> out = new ArrayList<>();
      for (String v : values) {
        String w = kind == Kind.SAMPLER ? sampler(v).displayName() : v;
        out.add(w.matches(".*[,\"].*") ? '"' + w.replace("\"", "\"\"") + '"' : w);
      }
      return String.join(",", out);
    }
  }

  public GridPlan {
    if (y != null && y.kind() == x.kind()) {
      throw new RecipeException(
          "The grid has two " + x.kind().cliName() + " axes; give each setting once.");
    }
    if (x.values().size() * (y == null ? 1 : y.values().size()) > 256) {
      throw new RecipeException("A grid makes at most 256 images.");
    }
  }

  public static GridPlan of(List<Axis> axes) {
    if (axes.isEmpty() || axes.size() > 2) {
      throw new RecipeException(
          "A grid has one or two axes (X across, Y down), got " + axes.size() + ".");
    }
    return new GridPlan(axes.get(0), axes.size() == 2 ? axes.get(1) : null);
  }

  public int columns() {
    return x.values().size();
  }

  public int rows() {
    return y == null ? 1 : y.values().size();
  }

  public String columnLabel(int ix) {
    return x.label(ix);
  }

  public String rowLabel(int iy) {
    return y == null ? "" : y.label(iy);
  }

  /** Every cell's settings, X fastest; a prompt axis's first value must be in a prompt. */
  public List<Settings> cells(Settings base) {
    for (Axis a : y == null ? List.of(x) : List.of(x, y)) {
      String from = a.values().get(0);
      if (a.kind() == Kind.PROMPT
          && !(base.prompt() + "\n" + base.negativePrompt()).contains(from)) {
        throw new RecipeException(
            "The grid's prompt values replace their first value, \""
                + from
                + "\", which is in neither the prompt nor the negative prompt.");
      }
    }
    List<Settings> out = new ArrayList<>();
    for (int k = 0; k < columns() * rows(); k++) {
      out.add(x.apply(y == null ? base : y.apply(base, k / columns()), k % columns()));
    }
    return out;
  }

  /** What A1111's grid adds to its first cell's parameters. */
  public Map<String, String> parameters() {
    Map<String, String> p = new LinkedHashMap<>(Map.of("Script", "X/Y/Z plot"));
    for (Axis a : y == null ? List.of(x) : List.of(x, y)) {
      String n = a == x ? "X" : "Y";
      p.put(n + " Type", a.kind().a1111);
      p.put(n + " Values", a.valuesText());
    }
    return p;
  }

  private static double d(String v) {
    try {
      return v.matches("[0-9.eE+-]+") ? Double.parseDouble(v) : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static int i(String v) {
    return Integer.parseInt(v);
  }

  private static Sampler sampler(String v) {
    try {
      return Sampler.parse(v);
    } catch (RecipeException e) {
      return null;
    }
  }
}
