package dev.stepwise.cli;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.recipe.GridPlan;
import dev.stepwise.recipe.RecipeException;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code generate --grid} (a picocli mixin): A1111's X/Y/Z plot, X and Y. */
final class GridOptions {
  @Option(
      names = "--grid",
      paramLabel = "AXIS=V1,V2,...",
      description =
          "A compare grid (A1111's X/Y plot): once for columns, twice for rows too. AXIS is"
              + " guidance, steps, sampler, seed or prompt (prompt=red,blue puts each value where"
              + " the prompt says red). One seed for every cell unless seed is an axis. The grid"
              + " goes to --out FILE.png, the cells to FILE-cell-N.png, or all into the library.")
  List<String> axes;

  /** The plan for {@code base}, or null without --grid; a bad axis is a bad value. */
  GridPlan plan(GenerationRequest base, boolean frames) {
    if (axes == null) {
      return null;
    }
    if (base.batch() != 1 || frames) {
      throw new CliErrors.BadValue(
          "--grid makes one image per cell; leave out --batch and --frames.");
    }
    try {
      GridPlan plan = GridPlan.of(axes.stream().map(GridPlan.Axis::parse).toList());
      plan.cells(base.settings()); // a prompt axis's first value must be in the prompt
      return plan;
    } catch (RecipeException e) {
      throw new CliErrors.BadValue(e.getMessage());
    }
  }
}
