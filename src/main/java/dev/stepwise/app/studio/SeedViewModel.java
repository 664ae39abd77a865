package dev.stepwise.app.studio;

import java.util.random.RandomGenerator;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The seed: the seed field, its lock and the seed of the last job Generate submitted. Draws fresh
 * seeds and brings the last one back. Used on the UI thread.
 */
public final class SeedViewModel {
  private final RandomGenerator random;
  private final StringProperty seedText = new SimpleStringProperty("");
  private final BooleanProperty seedLocked = new SimpleBooleanProperty();
  private long lastSeed = -1;

  /** Seeds drawn from {@code random}. */
  SeedViewModel(RandomGenerator random) {
    this.random = random;
    // Locking an empty ("random") field locks a seed drawn now, shown in the field.
    seedLocked.addListener(
        (o, a, locked) -> {
          if (locked && (seedText.get() == null || seedText.get().isBlank())) {
            randomSeed();
          }
        });
  }

  /** Sets the field and the lock from {@code s}. */
  void apply(GenerationSettings s) {
    seedText.set(s.seedText());
    seedLocked.set(s.seedLocked());
  }

  /** Draws a fresh seed into the seed field. */
  public void randomSeed() {
    seedText.set(Long.toString(Seeds.random(random)));
  }

  /** Puts the last used seed back in the field and locks it, so Generate repeats that image. */
  public void reuseLastSeed() {
    if (lastSeed >= 0) {
      seedText.set(Long.toString(lastSeed));
      seedLocked.set(true);
    }
  }

  /** The seed of the last job Generate submitted, or -1. */
  public long lastSeed() {
    return lastSeed;
  }

  /** The seed a job with {@code s} runs with: the field's when locked, else a fresh one. */
  long next(GenerationSettings s) {
    return Seeds.next(s.seedLocked(), s.seedText(), random);
  }

  /** A job with {@code seed} was submitted: the field shows its seed and it is the last seed. */
  void used(long seed) {
    seedText.set(Long.toString(seed));
    lastSeed = seed;
  }

  public StringProperty seedTextProperty() {
    return seedText;
  }

  public BooleanProperty seedLockedProperty() {
    return seedLocked;
  }
}
