package dev.stepwise.app.studio;

import dev.stepwise.engine.EngineException;
import java.util.random.RandomGenerator;

/**
 * Seed rules of the studio: how the seed field is read and how a fresh seed is drawn.
 *
 * <p>libtorch's CPU generator uses only the low 32 bits of a seed, so fresh seeds are drawn from
 * [0, 2^32) and every one of them names a different picture.
 */
public final class Seeds {
  /** One past the largest seed that {@link #random} draws. */
  public static final long RANGE = 1L << 32;

  private Seeds() {}

  /** Reads the seed field: a whole number, optionally signed, surrounding spaces ignored. */
  public static long parse(String text) {
    String t = text == null ? "" : text.trim();
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new EngineException("The seed must be a whole number such as 42, got \"" + t + "\".");
    }
  }

  /** A fresh seed in [0, 2^32). */
  public static long random(RandomGenerator random) {
    return random.nextLong(RANGE);
  }

  /**
   * The seed of the next job: the seed field when locked (it must parse), a fresh one otherwise.
   */
  public static long next(boolean locked, String field, RandomGenerator random) {
    return locked ? parse(field) : random(random);
  }

  /** How a batch's seeds read in the queue: "seed 7" or "seeds 7-10". */
  public static String describe(long first, int batch) {
    return batch == 1 ? "seed " + first : "seeds " + first + "-" + (first + batch - 1);
  }
}
