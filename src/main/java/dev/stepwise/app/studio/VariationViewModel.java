package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.gallery.Recipe;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * A1111's variation seed in the studio: the field and strength Generate uses, and "Vary", four
 * neighbours of a finished image (its seed, fresh variation seeds). UI thread only.
 */
public final class VariationViewModel {
  /**
   * Vary's strength while the control is 0. Independent noises are nearly orthogonal, so strength t
   * keeps cos(t 90°) of the noise, 0.95 at 0.2; on the built-in model (docs/studio.md) pixels moved
   * 0.5-0.6 of 255 at 0.1 (hard to see), 1.0-1.2 at 0.2, 4.5 for another seed.
   */
  public static final double VARY_STRENGTH = 0.2;

  private final StudioViewModel studio;
  private final RandomGenerator random;

  /** The variation seed, a whole number or empty for a fresh one at each Generate. */
  final StringProperty seedText = new SimpleStringProperty("");

  /** The strength Generate uses, 0 (none, the default) to 1. */
  final DoubleProperty strength = new SimpleDoubleProperty(0);

  VariationViewModel(StudioViewModel studio, RandomGenerator random) {
    this.studio = studio;
    this.random = random;
  }

  /** {@code r} with the controls' variation (unchanged at strength 0). */
  GenerationRequest applyTo(GenerationRequest r) {
    if (strength.get() == 0) {
      return r;
    }
    String t = seedText.get().strip();
    if (!t.matches("(-?\\d{1,18})?")) {
      throw new EngineException(
          "The variation seed must be a whole number such as 42, or empty for a random one, got \""
              + t
              + "\".");
    }
    return r.toBuilder()
        .variation(t.isEmpty() ? Seeds.random(random) : Long.parseLong(t), strength.get())
        .build();
  }

  /** Vary's strength: the control's when above 0, else {@link #VARY_STRENGTH}. */
  double varyStrength() {
    return strength.get() > 0 ? strength.get() : VARY_STRENGTH;
  }

  /**
   * Queues four one-image jobs with {@code item}'s recipe and seed, each with a fresh variation
   * seed, at {@link #varyStrength()}; an item that was itself varied is varied from its seed's own
   * image (A1111 records one variation). Empty, with one sentence on the error line, when refused.
   */
  public List<QueueEntry> vary(ResultItem item) {
    studio.status().clearError();
    PackFacts f = studio.model().factsProperty().get();
    String problem =
        !studio.jobs().engineStarted() || f == null
            ? "The engine or the model is still starting; try again in a moment."
            : !f.folder().equals(item.request().model())
                ? "The image was made with another model; choose it again to vary the image."
                : null;
    if (problem != null) {
      studio.status().showError(problem);
      return List.of();
    }
    List<QueueEntry> entries = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      GenerationRequest r =
          item.request().toBuilder()
              .seed(item.seed())
              .batch(1)
              .variation(Seeds.random(random), varyStrength())
              .build();
      entries.add(studio.jobs().submit(r, new JobListener(studio, r, f)));
    }
    studio
        .status()
        .showStatus(
            "Queued 4 variations of seed " + item.seed() + " at strength " + varyStrength() + ".");
    return entries;
  }

  /**
   * Reuse: the recipe's variation when {@code keepSeed} (a variation without its seed is not that
   * image's), else strength 0; a strength outside 0 to 1 is brought within and said so.
   */
  List<String> apply(Recipe recipe, boolean keepSeed) {
    Long v = keepSeed ? recipe.variationSeed() : null;
    double s = v == null ? 0 : Math.max(0, Math.min(1, recipe.variationStrength()));
    strength.set(s);
    if (v == null) {
      return List.of();
    }
    seedText.set(Long.toString(v));
    return s == recipe.variationStrength()
        ? List.of()
        : List.of(
            "Variation strength "
                + recipe.variationStrength()
                + " is outside 0 to 1, so "
                + s
                + " is used.");
  }
}
