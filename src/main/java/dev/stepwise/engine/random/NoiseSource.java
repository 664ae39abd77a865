package dev.stepwise.engine.random;

/**
 * A stream of standard normal floats that ancestral samplers draw from between steps.
 *
 * <p>Implementations are deterministic: the same construction gives the same values, bit for bit.
 */
@FunctionalInterface
public interface NoiseSource {
  /** Returns the next {@code n} standard normal values for the whole batch, in NCHW order. */
  float[] next(int n);
}
