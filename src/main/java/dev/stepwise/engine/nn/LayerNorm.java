package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Layer normalisation over the last axis with a learned scale and shift (torch.nn.LayerNorm). */
public final class LayerNorm {
  private final NDArray weight; // [D]
  private final NDArray bias; // [D]
  private final Shape normalized;
  private final float eps;

  private LayerNorm(NDArray weight, NDArray bias, float eps) {
    this.weight = weight;
    this.bias = bias;
    this.normalized = new Shape(weight.getShape().get(0));
    this.eps = eps;
  }

  /** Loads {@code name.weight[D]} and {@code name.bias[D]}. */
  public static LayerNorm load(Parameters p, String name, long dim, double eps) {
    Parameters q = p.prefix(name);
    return new LayerNorm(q.get("weight", dim), q.get("bias", dim), (float) eps);
  }

  /** {@code [..., D] -> [..., D]}. */
  public NDArray forward(NDArray x) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(x, normalized, weight, bias, eps)
        .singletonOrThrow(); // [..., D]
  }
}
