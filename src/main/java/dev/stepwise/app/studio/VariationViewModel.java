package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * AUTOMATIC1111's variation seed in the studio: the variation seed field and strength that Generate
 * uses, and "Vary", which makes neighbours of a finished image (its seed, fresh variation seeds).
 * Used on the UI thread.
 */
public final class VariationViewModel {
  /**
   * The strength "Vary" uses while the strength control is 0. Independent noises are nearly
   * orthogonal, so strength t keeps cos(t 90°) of the image's noise: 0.95 at 0.2, the same
   * composition with other details. Measured on the built-in model ("grinning cat, twemoji style",
   * seed 42, 20 DDIM steps, variation seeds 1 to 4): pixels moved by 0.5 to 0.6 (of 255) on average
   * at 0.1, 1.0 to 1.2 at 0.2, 1.5 to 1.8 at 0.3, and 4.5 for another seed; 0.1 is hard to see.
   */
  public static final double VARY_STRENGTH = 0.2;

  /** How many neighbours "Vary" queues. */
  public static final int NEIGHBOURS = 4;

  private final StudioViewModel studio;
  private final RandomGenerator random;
  private final StringProperty seedText = new SimpleStringProperty("");
  private final DoubleProperty strength = new SimpleDoubleProperty(0);

  VariationViewModel(StudioViewModel studio, RandomGenerator random) {
    this.studio = studio;
    this.random = random;
  }

  /**
   * "Vary": queues {@link #NEIGHBOURS} neighbours of {@code item} ({@link #neighbours}) and returns
   * their queue entries; empty, with one sentence in the status's error, when the engine has not
   * started or the chosen model is not the one that made {@code item}.
   */
  public List<QueueEntry> vary(ResultItem item) {
    StatusViewModel status = studio.status();
    status.clearError();
    PackFacts f = studio.model().factsProperty().get();
    if (!studio.jobs().engineStarted() || f == null) {
      status.showError("The engine or the model is still starting; try again in a moment.");
      return List.of();
    }
    if (item.request().model() != null && !item.request().model().equals(f.folder())) {
      status.showError(
          "The image was made with the model "
              + item.request().model().getFileName()
              + "; choose it again to vary the image.");
      return List.of();
    }
    List<QueueEntry> entries = new ArrayList<>();
    for (GenerationRequest r : neighbours(item)) {
      entries.add(studio.jobs().submit(r, new JobListener(studio, r, f)));
    }
    status.showStatus(
        "Queued "
            + NEIGHBOURS
            + " variations of seed "
            + item.seed()
            + " at strength "
            + varyStrength()
            + ".");
    return entries;
  }

  /**
   * The variation seed field: a whole number, or empty for a fresh random one at each Generate (as
   * A1111's -1).
   */
  public StringProperty seedTextProperty() {
    return seedText;
  }

  /** The strength Generate uses, 0 to 1; 0 (the default) is no variation. */
  public DoubleProperty strengthProperty() {
    return strength;
  }

  /** The strength "Vary" uses: the control's when above 0, else {@link #VARY_STRENGTH}. */
  public double varyStrength() {
    return strength.get() > 0 ? strength.get() : VARY_STRENGTH;
  }

  /** Draws a fresh variation seed into the field. */
  public void randomSeed() {
    seedText.set(Long.toString(Seeds.random(random)));
  }

  /**
   * {@code r} with the controls' variation: unchanged at strength 0; otherwise the field's seed, or
   * a fresh one when the field is empty.
   *
   * @throws EngineException with one sentence when the field is not a whole number or the strength
   *     is outside 0 to 1
   */
  GenerationRequest applyTo(GenerationRequest r) {
    double s = strength.get();
    if (s == 0) {
      return r;
    }
    String problem = Settings.variationProblem(s);
    if (problem != null) {
      throw new EngineException(problem);
    }
    String t = seedText.get() == null ? "" : seedText.get().trim();
    long v;
    if (t.isEmpty()) {
      v = Seeds.random(random);
    } else {
      try {
        v = Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new EngineException(
            "The variation seed must be a whole number such as 42, or empty for a random one, got"
                + " \""
                + t
                + "\".");
      }
    }
    return r.toBuilder().variation(v, s).build();
  }

  /**
   * The requests of {@link #NEIGHBOURS} neighbours of {@code item}: one image each with its seed, a
   * fresh variation seed and {@link #varyStrength()}. A result that was itself varied is varied
   * from its seed's own image (A1111's variation has one level).
   */
  List<GenerationRequest> neighbours(ResultItem item) {
    List<GenerationRequest> out = new ArrayList<>();
    double s = varyStrength();
    for (int k = 0; k < NEIGHBOURS; k++) {
      out.add(
          item.request().toBuilder()
              .seed(item.seed())
              .batch(1)
              .variation(Seeds.random(random), s)
              .build());
    }
    return out;
  }

  /**
   * Reuse: the recipe's variation seed and strength when {@code keepSeed} and it has one, else
   * strength 0 (a variation without its seed is not that image's).
   *
   * @return a sentence when the recipe's strength had to be brought within 0 to 1; else empty
   */
  List<String> apply(Recipe recipe, boolean keepSeed) {
    Long v = keepSeed ? recipe.variationSeed() : null;
    if (v == null) {
      strength.set(0);
      return List.of();
    }
    seedText.set(Long.toString(v));
    double s = recipe.variationStrength();
    if (Settings.variationProblem(s) == null) {
      strength.set(s);
      return List.of();
    }
    double clamped = Math.max(0, Math.min(1, s));
    strength.set(clamped);
    return List.of("Variation strength " + s + " is outside 0 to 1, so " + clamped + " is used.");
  }
}
