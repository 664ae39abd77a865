package dev.stepwise.engine.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.EngineException;

/**
 * AUTOMATIC1111's "Original" emphasis (modules/sd_emphasis.py {@code EmphasisOriginal
 * .after_transformers}): each token's hidden state is multiplied by its weight, then the whole
 * chunk is rescaled so that its mean over every element equals the mean before weighting:
 *
 * <pre>
 *   z' = z * w[..., None];   z'' = z' * (mean(z) / mean(z'))
 * </pre>
 *
 * <p>A1111 keeps the mean "to prevent artifacts"; the rescale also means that a chunk whose weights
 * are all equal is left unchanged (up to rounding). A chunk whose weights are all exactly 1 is
 * returned as it is, which A1111's arithmetic also gives bit for bit (z * 1 = z, m / m = 1).
 */
public final class Emphasis {
  private Emphasis() {}

  /**
   * Weights one chunk's last hidden state {@code z [1, L, D]} by {@code weights [L]} and restores
   * its mean; the result belongs to {@code z}'s manager.
   */
  public static NDArray apply(NDArray z, float[] weights) {
    Shape s = z.getShape();
    if (s.dimension() != 3 || s.get(0) != 1 || s.get(1) != weights.length) {
      throw new EngineException(
          "Emphasis needs a hidden state [1, "
              + weights.length
              + ", D] for "
              + weights.length
              + " weights, not "
              + s
              + ".");
    }
    boolean allOne = true;
    for (float w : weights) {
      allOne &= w == 1f;
    }
    if (allOne) {
      return z;
    }
    NDArray originalMean = z.mean(); // [] mean over all 1*L*D elements
    NDArray w = z.getManager().create(weights, new Shape(1, weights.length, 1)); // [1, L, 1]
    NDArray weighted = z.mul(w); // [1, L, D]: token i scaled by weights[i]
    NDArray newMean = weighted.mean(); // []
    return weighted.mul(originalMean.div(newMean)); // [1, L, D] with mean(z) again
  }
}
