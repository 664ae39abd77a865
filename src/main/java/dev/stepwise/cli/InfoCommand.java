package dev.stepwise.cli;

import com.google.gson.JsonObject;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.recipe.RecipeFields;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise info FILE...}: the recipe Stepwise reads in each image, the tool it recognised
 * and every notice, as text or as a JSON array ({@link RecipeFields}). A file it cannot read is
 * named in one line on stderr (in JSON, a record with {@code error}); the exit code is then 1.
 */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description =
        "Prints the recipe Stepwise reads in each image (PNG, JPEG or WebP, from Stepwise or"
            + " another tool), with what it mapped to a near value or left out.",
    footer = {
      "  stepwise info ~/Downloads/00012-1234567.png",
      "  stepwise info --json *.png > recipes.json"
    })
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Images to read.")
  List<Path> files;

  @Option(
      names = "--json",
      description = "Print a JSON array, one object per file (file and error when refused).")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<JsonObject> records = new ArrayList<>();
    boolean refused = false;
    for (Path f : files) {
      String name = f.toString();
      try {
        ImageParameters p = ImageParameters.read(f);
        RecipeFields r = p.recipe().fields(name, p.notices());
        if (json) {
          records.add(r.toJson());
        } else {
          print(out, r, p.recipe());
        }
      } catch (MetadataException e) {
        refused = true;
        Logging.log().info("refused: {}: {}", name, e.getMessage());
        if (json) {
          records.add(RecipeFields.refused(name, e.getMessage()));
        } else {
          err.println("stepwise: " + Main.oneLine(name + ": " + e.getMessage()));
        }
      }
    }
    if (json) {
      out.println(RecipeFields.array(records));
    }
    out.flush();
    err.flush();
    return refused ? 1 : 0;
  }

  private static void print(PrintWriter out, RecipeFields r, Recipe recipe) {
    out.println(Main.printable(r.file()));
    out.println("  from: " + Main.printable(r.tool()));
    lines(out, "  prompt: ", r.prompt());
    if (!r.negativePrompt().isEmpty()) {
      lines(out, "  negative prompt: ", r.negativePrompt());
    }
    out.printf(
        Locale.ROOT,
        "  steps %d, sampler %s%s, CFG scale %s, seed %d, size %dx%d%s%n",
        r.steps(),
        r.sampler(),
        r.karras() ? " (Karras)" : "",
        java.math.BigDecimal.valueOf(r.cfgScale()).stripTrailingZeros().toPlainString(),
        r.seed(),
        r.width(),
        r.height(),
        r.model() == null ? "" : ", model " + Main.printable(r.model()));
    if (recipe.clipSkip() > 1) {
      out.println("  clip skip " + recipe.clipSkip());
    }
    if (recipe.variationSeed() != null) {
      out.println(
          "  variation seed "
              + recipe.variationSeed()
              + ", strength "
              + recipe.extras().get(Recipe.VARIATION_STRENGTH).strip());
    }
    if (recipe.backend() != null) {
      out.println("  backend " + Main.printable(recipe.backend())); // the server it was made on
    }
    for (String n : r.notices()) {
      out.println("  note: " + Main.oneLine(n));
    }
  }

  /** A text of several lines, the first after {@code label} and the others indented below it. */
  private static void lines(PrintWriter out, String label, String text) {
    String[] l = text.strip().split("\\r?\\n", -1); // shown without its blank ends
    out.println(label + Main.printable(l[0]));
    for (int i = 1; i < l.length; i++) {
      out.println("    " + Main.printable(l[i]));
    }
  }
}
