package dev.stepwise.gallery;

import dev.stepwise.metadata.ForeignParameters;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.ParametersRead;
import dev.stepwise.metadata.PngText;
import dev.stepwise.metadata.SamplerChoice;
import dev.stepwise.metadata.SamplerNames;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generation parameters read from any image: Stepwise's own recipe, or what another tool
 * recorded ({@link ForeignParameters}: A1111's text, ComfyUI graphs, InvokeAI, NovelAI, Fooocus,
 * SwarmUI, Stability Matrix, Draw Things, Exif user comments), with the tool as the recipe's {@link
 * Recipe#source()}.
 *
 * <p>This is what the studio's drag-and-drop and "Open parameters" call: {@link #read(Path)}.
 *
 * @param recipe the recipe, with the sampler mapped onto one Stepwise has
 * @param source where the recipe came from
 * @param notices sentences for the user about what was substituted or ignored; never null
 */
public record ImageParameters(Recipe recipe, Source source, List<String> notices) {
  /** A1111's key for DDIM's eta (its option {@code eta_ddim}). */
  public static final String ETA_DDIM = "Eta DDIM";

  /** A1111's key for the ancestral samplers' eta ({@code eta_ancestral}). */
  static final String ETA_ANCESTRAL = "Eta";

  /** Where a recipe was read from. */
  public enum Source {
    /** The {@code stepwise} JSON chunk. */
    STEPWISE,
    /** Another tool's metadata, read into A1111's terms; {@link Recipe#source()} names the tool. */
    A1111
  }

  /** Copies the notices. */
  public ImageParameters {
    notices = List.copyOf(notices);
  }

  /**
   * Reads the parameters of a PNG, JPEG or WebP file: the Stepwise JSON chunk first, else what
   * another tool recorded ({@link ForeignParameters#read}).
   *
   * @throws MetadataException when the file is not a readable image, breaks a size bound, holds
   *     metadata Stepwise does not read, or holds no parameters
   */
  public static ImageParameters read(Path file) {
    return fromText(ForeignParameters.readText(file));
  }

  /** Reads parameters from a PNG in memory; see {@link #read(Path)}. */
  public static ImageParameters read(byte[] png) {
    return fromText(PngText.read(png));
  }

  /** Picks the parameters out of a PNG's text chunks; see {@link #read(Path)}. */
  public static ImageParameters fromText(Map<String, String> text) {
    List<String> notices = new ArrayList<>();
    String json = text.get(RecipeJson.KEYWORD);
    if (json != null) {
      try {
        return new ImageParameters(RecipeJson.read(json), Source.STEPWISE, notices);
      } catch (MetadataException e) {
        if (!text.containsKey("parameters")) {
          throw e;
        }
        notices.add(e.getMessage() + " The A1111 parameters are used instead.");
      }
    }
    Map<String, String> others = new LinkedHashMap<>(text);
    others.remove(RecipeJson.KEYWORD);
    ParametersRead read = ForeignParameters.read(others);
    notices.addAll(read.notices());
    Recipe r = fromA1111(read.parameters(), notices, read.tool());
    return new ImageParameters(r, Source.A1111, notices);
  }

  /**
   * Turns A1111 parameters into a recipe, mapping the sampler onto the nearest Stepwise has and
   * adding its notice to {@code notices}; DDIM's eta becomes the recipe's eta, other unknown keys
   * stay in its extras.
   *
   * <p>A1111 writes DDIM's eta as {@code Eta DDIM} and the ancestral samplers' noise multiplier as
   * {@code Eta} (its options {@code eta_ddim} and {@code eta_ancestral}). Stepwise before 0.2 wrote
   * DDIM's eta as {@code Eta}, so a Stepwise image's {@code Eta} is read as DDIM's too; anyone
   * else's stays an extra, with a notice when it is not the 1 Stepwise's ancestral samplers use.
   */
  public static Recipe fromA1111(GenerationParameters p, List<String> notices) {
    return fromA1111(p, notices, null);
  }

  /** As {@link #fromA1111(GenerationParameters, List)}, naming the tool it was read from. */
  public static Recipe fromA1111(GenerationParameters p, List<String> notices, String source) {
    SamplerChoice choice = SamplerNames.resolve(p.sampler(), p.scheduleType());
    if (choice.notice() != null) {
      notices.add(choice.notice());
    }
    Map<String, String> extras = new LinkedHashMap<>(p.extras());
    boolean ddim = choice.cliName().equals(Sampler.DDIM.cliName());
    boolean fromStepwise = p.version() != null && p.version().startsWith("Stepwise");
    String etaKey =
        extras.containsKey(ETA_DDIM)
            ? ETA_DDIM
            : fromStepwise && extras.containsKey(ETA_ANCESTRAL) ? ETA_ANCESTRAL : null;
    double eta = 0;
    if (etaKey != null && ddim) {
      String etaText = extras.remove(etaKey);
      try {
        eta = Double.parseDouble(etaText.strip());
      } catch (NumberFormatException e) {
        notices.add(etaKey + " '" + etaText + "' is not a number, so 0 is used.");
      }
      if (!Double.isFinite(eta) || eta < 0 || eta > 1) {
        notices.add(etaKey + " '" + etaText + "' is not between 0 and 1, so 0 is used.");
        eta = 0;
      }
    }
    String ancestral = extras.get(ETA_ANCESTRAL);
    if (ancestral != null && !fromStepwise && !ancestral.strip().equals("1")) {
      notices.add(
          "The image's ancestral samplers ran with eta "
              + ancestral.strip()
              + "; Stepwise's run with 1, so the image will differ.");
    }
    int steps = p.steps();
    if (steps > Settings.MAX_STEPS) {
      notices.add(
          "Steps " + steps + " is more than Stepwise runs, so " + Settings.MAX_STEPS + " is used.");
      steps = Settings.MAX_STEPS;
    }
    return new Recipe(
        p.prompt(),
        p.negativePrompt(),
        p.modelName(),
        p.modelHash(),
        choice.cliName(),
        choice.karras(),
        steps,
        p.guidance(),
        eta,
        p.seed(),
        p.width(),
        p.height(),
        -1,
        p.version(),
        null,
        extras,
        source);
  }
}
