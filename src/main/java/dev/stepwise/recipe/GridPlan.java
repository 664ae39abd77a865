package dev.stepwise.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compare grid: one or two {@link GridAxis axes}, X across and Y down, as AUTOMATIC1111's X/Y/Z
 * plot (scripts/xyz_grid.py) without Z. Cell {@code i = ix + iy * columns} is the base settings
 * with value {@code ix} of X and value {@code iy} of Y; everything else, the seed included unless
 * it is an axis, is the base's.
 *
 * @param x the axis across (columns)
 * @param y the axis down (rows), or null for one row
 */
public record GridPlan(GridAxis x, GridAxis y) {
  /** The most cells one grid makes. */
  public static final int MAX_CELLS = 256;

  /** A1111's "Script" value for its grids. */
  public static final String SCRIPT = "X/Y/Z plot";

  /** Checks the axes: an X, a Y of another setting, at most {@link #MAX_CELLS} cells. */
  public GridPlan {
    if (x == null) {
      throw new RecipeException("A grid needs at least one axis.");
    }
    if (y != null && y.kind() == x.kind()) {
      throw new RecipeException(
          "The grid has two " + x.kind().cliName() + " axes; give each setting once.");
    }
    int cells = x.size() * (y == null ? 1 : y.size());
    if (cells > MAX_CELLS) {
      throw new RecipeException(
          "The grid would make " + cells + " images; at most " + MAX_CELLS + " are allowed.");
    }
  }

  /** A plan from one or two axes, in the order given (the first is X). */
  public static GridPlan of(List<GridAxis> axes) {
    if (axes.isEmpty() || axes.size() > 2) {
      throw new RecipeException(
          "A grid has one or two axes (X across, Y down), got " + axes.size() + ".");
    }
    return new GridPlan(axes.get(0), axes.size() == 2 ? axes.get(1) : null);
  }

  /** How many columns (values of X). */
  public int columns() {
    return x.size();
  }

  /** How many rows (values of Y, 1 without Y). */
  public int rows() {
    return y == null ? 1 : y.size();
  }

  /** How many cells. */
  public int cells() {
    return columns() * rows();
  }

  /**
   * The settings of every cell, X fastest; refuses a prompt axis whose first value the base's
   * prompts lack.
   */
  public List<Settings> cells(Settings base) {
    for (GridAxis a : axes()) {
      String problem = a.problemWith(base);
      if (problem != null) {
        throw new RecipeException(problem);
      }
    }
    List<Settings> out = new ArrayList<>();
    for (int iy = 0; iy < rows(); iy++) {
      Settings row = y == null ? base : y.apply(base, iy);
      for (int ix = 0; ix < columns(); ix++) {
        out.add(x.apply(row, ix));
      }
    }
    return out;
  }

  /** The axes, X first. */
  public List<GridAxis> axes() {
    return y == null ? List.of(x) : List.of(x, y);
  }

  /** Column {@code ix}'s label. */
  public String columnLabel(int ix) {
    return x.label(ix);
  }

  /** Row {@code iy}'s label, or "" without a Y axis. */
  public String rowLabel(int iy) {
    return y == null ? "" : y.label(iy);
  }

  /**
   * What the grid image's parameters add to its first cell's, as A1111's grid does: {@code Script:
   * X/Y/Z plot}, {@code X Type}, {@code X Values} and, with two axes, {@code Y Type} and {@code Y
   * Values}.
   */
  public Map<String, String> parameters() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("Script", SCRIPT);
    p.put("X Type", x.kind().a1111Name());
    p.put("X Values", x.valuesText());
    if (y != null) {
      p.put("Y Type", y.kind().a1111Name());
      p.put("Y Values", y.valuesText());
    }
    return p;
  }
}
