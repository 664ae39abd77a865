package dev.stepwise.engine.sampling;

/**
 * The denoising network as a sampler sees it: one call per step for the whole batch.
 *
 * <p>The input is already scaled for the network (Euler and Euler a divide their state by {@code
 * sqrt(sigma^2 + 1)}; the other samplers pass their state unchanged). The output is the raw model
 * output in the schedule's prediction type (eps or v), same length and layout. Classifier-free
 * guidance happens inside the implementation (see {@link Guidance}).
 */
@FunctionalInterface
public interface ModelFunction {
  /**
   * Returns the model output for {@code modelInput} at {@code timestep}, which is fractional for
   * Euler-family samplers and a whole number otherwise.
   */
  float[] predict(float[] modelInput, double timestep); // [B, C, H, W] -> [B, C, H, W]
}
