package dev.stepwise.app.gallery;

import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.gallery.Recipe;
import java.util.ArrayList;
import java.util.List;

/** Turns the engine's finished jobs into recipes and images the library saves. */
public final class StudioRecipes {
  private StudioRecipes() {}

  /** Returns the full recipe of one image of a finished job. */
  public static Recipe of(GenerationResult result, GeneratedImage img) {
    return of(result.request(), img, result.model());
  }

  /**
   * Returns the full recipe of one image as soon as it is finished, before its job ends.
   *
   * @param r the job's request
   * @param img the finished image
   * @param model the loaded model's description, or null when unknown (no name or hash is saved)
   */
  public static Recipe of(GenerationRequest r, GeneratedImage img, ModelInfo model) {
    return of(r, img, model, java.util.Map.of());
  }

  /**
   * The full recipe of one image with the keys naming the pictures its run started from ({@code
   * Init image}, {@code Mask image}: {@link dev.stepwise.gallery.LibraryInputs#keys}) after the
   * run's own.
   */
  public static Recipe of(
      GenerationRequest r,
      GeneratedImage img,
      ModelInfo model,
      java.util.Map<String, String> inputKeys) {
    java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>(img.parameters());
    parameters.putAll(inputKeys);
    return Recipe.made(
        r.settings(),
        img.seed(),
        img.image().width(),
        img.image().height(),
        img.duration().toMillis(),
        model == null ? null : model.name(),
        model == null ? null : model.hash(),
        parameters);
  }

  /** Returns every image of a finished job with its recipe, ready for "Save all". */
  public static List<ImageToSave> batch(GenerationResult result) {
    List<ImageToSave> out = new ArrayList<>();
    for (GeneratedImage img : result.images()) {
      out.add(
          new ImageToSave(
              img.image().width(), img.image().height(), img.image().rgb(), of(result, img)));
    }
    return out;
  }
}
