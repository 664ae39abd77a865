package dev.stepwise.gallery;

import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.PngText;
import dev.stepwise.metadata.SamplerChoice;
import dev.stepwise.metadata.SamplerNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generation parameters read from any PNG: Stepwise's own recipe, or AUTOMATIC1111-style {@code
 * parameters} written by other tools.
 *
 * <p>This is what the studio's drag-and-drop and "Open parameters" call: {@link #read(Path)}.
 *
 * @param recipe the recipe, with the sampler mapped onto one Stepwise has
 * @param source where the recipe came from
 * @param notices sentences for the user about what was substituted or ignored; never null
 */
public record ImageParameters(Recipe recipe, Source source, List<String> notices) {

  /** Where a recipe was read from. */
  public enum Source {
    /** The {@code stepwise} JSON chunk. */
    STEPWISE,
    /** An AUTOMATIC1111-format {@code parameters} text chunk. */
    A1111
  }

  /** Copies the notices. */
  public ImageParameters {
    notices = List.copyOf(notices);
  }

  /**
   * Reads the parameters of a PNG file: the Stepwise JSON chunk first, else the A1111 {@code
   * parameters} text in a tEXt, zTXt or iTXt chunk.
   *
   * @throws MetadataException when the file is not a readable PNG, breaks a size bound, holds a
   *     ComfyUI graph or other metadata Stepwise does not read, or holds no parameters
   */
  public static ImageParameters read(Path file) {
    return fromText(PngText.read(file));
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
    String foreign = PngText.describeForeign(text);
    if (foreign != null) {
      throw new MetadataException(foreign);
    }
    GenerationParameters p = InfoText.parse(text.get("parameters"));
    return new ImageParameters(fromA1111(p, notices), Source.A1111, notices);
  }

  /**
   * Turns A1111 parameters into a recipe, mapping the sampler onto the nearest Stepwise has and
   * adding its notice to {@code notices}; {@code Eta} becomes the recipe's eta, other unknown keys
   * stay in its extras.
   */
  public static Recipe fromA1111(GenerationParameters p, List<String> notices) {
    SamplerChoice choice = SamplerNames.resolve(p.sampler(), p.scheduleType());
    if (choice.notice() != null) {
      notices.add(choice.notice());
    }
    Map<String, String> extras = new LinkedHashMap<>(p.extras());
    double eta = 0;
    String etaText = extras.remove("Eta");
    if (etaText != null) {
      try {
        eta = Double.parseDouble(etaText.strip());
      } catch (NumberFormatException e) {
        notices.add("Eta '" + etaText + "' is not a number, so 0 is used.");
      }
      if (!Double.isFinite(eta) || eta < 0) {
        notices.add("Eta '" + etaText + "' is not allowed, so 0 is used.");
        eta = 0;
      }
    }
    int steps = p.steps();
    if (steps > 10_000) {
      notices.add("Steps " + steps + " is more than Stepwise runs, so 10000 is used.");
      steps = 10_000;
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
        extras);
  }
}
