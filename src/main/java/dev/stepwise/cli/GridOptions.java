package dev.stepwise.cli;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.recipe.GridAxis;
import dev.stepwise.recipe.GridPlan;
import dev.stepwise.recipe.RecipeException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code generate}'s compare grid option (a picocli mixin): A1111's X/Y/Z plot, X and Y. */
final class GridOptions {
  @Option(
      names = "--grid",
      paramLabel = "AXIS=V1,V2,...",
      description =
          "A compare grid (A1111's X/Y/Z plot): given once, the columns; twice, columns then rows."
              + " AXIS is guidance, steps, sampler, seed or prompt (prompt=red,blue replaces red"
              + " in the prompt by each value, as A1111's Prompt S/R). Every cell has the same"
              + " seed unless seed is an axis. The labelled grid goes to --out FILE.png and the"
              + " cells beside it as FILE-cell-N.png, or all into the library.")
  List<String> axes;

  /** Whether {@code --grid} was given. */
  boolean active() {
    return axes != null && !axes.isEmpty();
  }

  /**
   * The grid {@code --grid} describes for {@code base}, or null without {@code --grid}; a bad axis,
   * a prompt value the prompt lacks, {@code --batch} or {@code --frames} is refused as a bad value.
   */
  GridPlan plan(GenerationRequest base, boolean frames) {
    if (!active()) {
      return null;
    }
    if (base.batch() != 1) {
      throw new CliErrors.BadValue(
          "--grid makes one image per cell, so --batch must be 1, got " + base.batch() + ".");
    }
    if (frames) {
      throw new CliErrors.BadValue("--frames cannot be used with --grid; leave one out.");
    }
    try {
      List<GridAxis> list = new ArrayList<>();
      for (String a : axes) {
        list.add(GridAxis.parse(a));
      }
      GridPlan plan = GridPlan.of(list);
      plan.cells(base.settings()); // checks a prompt axis against the prompt
      return plan;
    } catch (RecipeException e) {
      throw new CliErrors.BadValue(e.getMessage());
    }
  }
}
