package dev.stepwise.app.studio;

import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fills the studio's controls from a saved recipe: what the gallery's "Reuse" and opening a PNG's
 * parameters do.
 */
public final class RecipeControls {
  private RecipeControls() {}

  /**
   * Sets prompt, negative prompt, guidance, steps, sampler, Karras, size, model (when one of that
   * name is in the chooser) and, when {@code keepSeed}, the seed (locked, so Generate reuses it)
   * and the variation seed and strength (else the strength is 0), and the img2img choices
   * (strength, resize mode, mask blur, masked content, outpainting; a recipe from text removes the
   * init image).
   *
   * @return sentences about what could not be taken over as it was; empty when everything was
   */
  public static List<String> apply(StudioViewModel studio, Recipe recipe, boolean keepSeed) {
    ControlsViewModel vm = studio.controls();
    List<String> notices = new ArrayList<>();
    vm.promptProperty().set(recipe.prompt());
    vm.negativePromptProperty().set(recipe.negativePrompt());
    double guidance = recipe.guidance();
    if (!(guidance >= Settings.MIN_GUIDANCE && guidance <= Settings.MAX_GUIDANCE)) {
      guidance =
          Double.isNaN(guidance)
              ? Settings.DEFAULT_GUIDANCE
              : Math.max(Settings.MIN_GUIDANCE, Math.min(Settings.MAX_GUIDANCE, guidance));
      notices.add(
          "Guidance "
              + recipe.guidance()
              + " is outside the studio's 0 to 30, so "
              + guidance
              + " is used.");
    }
    vm.guidanceProperty().set(guidance);
    int steps = recipe.steps();
    if (steps > GenerationSettings.MAX_STEPS) {
      steps = GenerationSettings.MAX_STEPS;
      notices.add(
          "Steps " + recipe.steps() + " is more than the studio runs, so " + steps + " is used.");
    }
    vm.stepsProperty().set(steps);
    Sampler sampler = Sampler.parse(recipe.sampler()); // a Recipe holds only CLI names
    vm.samplerProperty().set(sampler);
    boolean karras = recipe.karras();
    if (karras && !sampler.takesKarras()) {
      karras = false;
      notices.add(sampler.displayName() + " runs without Karras sigmas in Stepwise.");
    }
    vm.karrasProperty().set(karras);
    vm.widthProperty().set(recipe.width());
    vm.heightProperty().set(recipe.height());
    int clipSkip = Math.min(recipe.clipSkip(), Settings.MAX_CLIP_SKIP);
    if (clipSkip != recipe.clipSkip()) {
      notices.add(
          "Clip skip " + recipe.clipSkip() + " is more than the studio offers, so 12 is used.");
    }
    vm.clipSkipProperty().set(clipSkip);
    if (recipe.vae() != null) {
      Path vae = studio.model().findVae(recipe.vae(), recipe.extras().get(Recipe.VAE_HASH));
      if (vae != null) {
        vm.vaeProperty().set(vae.toString());
      } else {
        notices.add(
            "The image was decoded with the VAE "
                + recipe.vae()
                + ", which is not in the models folder, so the VAE chosen now stays.");
      }
    }
    if (recipe.eta() > 0) {
      notices.add(
          String.format(
              Locale.ROOT,
              "The studio has no eta setting, so DDIM runs with eta 0, not %s.",
              recipe.eta()));
    }
    studio.sdxlSizes().apply(recipe);
    if (recipe.timestepSpacing() != null) {
      notices.add(
          "The studio has no timestep spacing setting, so the model's own is used, not "
              + recipe.timestepSpacing()
              + " (stepwise generate --timestep-spacing takes it).");
    }
    if (keepSeed) {
      studio.seeds().seedTextProperty().set(Long.toString(recipe.seed()));
      studio.seeds().seedLockedProperty().set(true);
    }
    notices.addAll(studio.variation().apply(recipe, keepSeed));
    studio.hires().apply(recipe);
    ImageSettings picture = recipe.imageSettings();
    InitImageViewModel init = studio.initImage();
    if (picture != null) {
      init.apply(picture); // the init image itself comes from the library (StudioParts)
      if (recipe.initImageHash() == null) {
        notices.add(
            "The image was made from an init image its parameters do not name; load that picture"
                + " as the init image to make it again.");
      }
    } else if (init.imageProperty().get() != null) {
      init.clear();
      notices.add("The init image was removed: this recipe starts from text.");
    }
    String name = recipe.modelName();
    String hash = recipe.modelHash();
    boolean named = name != null && !name.isBlank();
    boolean hashed = hash != null && !hash.isBlank();
    if (named || hashed) {
      ModelChoice current = studio.model().modelProperty().get();
      if (current == null || !matches(current, name, hash)) {
        ModelChoice match =
            studio.model().models().stream()
                .filter(m -> hashed && hash.equalsIgnoreCase(m.hash()))
                .findFirst()
                .or(
                    () ->
                        studio.model().models().stream()
                            .filter(m -> matches(m, name, null))
                            .findFirst())
                .orElse(null);
        if (match != null) {
          studio.model().modelProperty().set(match);
        } else {
          notices.add(
              "The model "
                  + (named ? "\"" + name + "\"" : "")
                  + (named && hashed ? " " : "")
                  + (hashed ? "with hash " + hash : "")
                  + " is not in the chooser, so "
                  + (current == null ? "no model" : current.label())
                  + " stays chosen.");
        }
      }
    }
    return notices;
  }

  /** Whether {@code choice} is the model a recipe names by its short hash or its name. */
  private static boolean matches(ModelChoice choice, String modelName, String hash) {
    if (hash != null && hash.equalsIgnoreCase(choice.hash())) {
      return true;
    }
    if (modelName == null || modelName.isBlank()) {
      return false;
    }
    Path file = choice.folder().getFileName();
    return (file != null && file.toString().equalsIgnoreCase(modelName))
        || choice.label().equalsIgnoreCase(modelName);
  }
}
