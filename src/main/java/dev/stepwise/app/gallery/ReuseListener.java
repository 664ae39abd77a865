package dev.stepwise.app.gallery;

import dev.stepwise.gallery.Recipe;

/**
 * Receives the recipe the user chose to reuse from the gallery; the studio fills its controls.
 *
 * <p>Called on the JavaFX application thread.
 */
@FunctionalInterface
public interface ReuseListener {
  /**
   * Fills the studio's controls from {@code recipe}.
   *
   * @param recipe the recipe to reuse; its sampler is one Stepwise has
   * @param keepSeed true to take the recipe's seed too, false to leave the studio's seed control as
   *     it is (a new random seed)
   */
  void reuse(Recipe recipe, boolean keepSeed);
}
