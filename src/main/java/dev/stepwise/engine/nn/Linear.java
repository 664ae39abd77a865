package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * A fully connected layer y = x W^T + b with PyTorch's {@code weight[out, in]} layout; a FLOAT16
 * weight ({@link WeightPrecision}) is widened to FLOAT32 for each call, then freed.
 */
public final class Linear {
  private final NDArray weight; // [out, in], FLOAT32 or FLOAT16
  private final NDArray bias; // [out] FLOAT32, or null

  private Linear(NDArray weight, NDArray bias) {
    this.weight = weight;
    this.bias = bias;
  }

  /** Loads {@code name.weight[out,in]} (and {@code name.bias[out]} when {@code withBias}). */
  public static Linear load(Parameters p, String name, long in, long out, boolean withBias) {
    Parameters q = p.prefix(name);
    NDArray w = q.weight("weight", out, in);
    NDArray b = withBias ? q.get("bias", out) : null;
    return new Linear(w, b);
  }

  /** Wraps given arrays (weight {@code [out,in]}, bias {@code [out]} or null). */
  public static Linear of(NDArray weight, NDArray bias) {
    return new Linear(weight, bias);
  }

  /** Input features. */
  public long in() {
    return weight.getShape().get(1);
  }

  /** Output features. */
  public long out() {
    return weight.getShape().get(0);
  }

  /** Applies the layer over the last axis: {@code [..., in] -> [..., out]}. */
  public NDArray forward(NDArray x) {
    try (Prepared p = prepare()) {
      return p.forward(x); // [..., out]
    }
  }

  /** The layer with its weight widened once for several calls (chunks); close it after. */
  public Prepared prepare() {
    return new Prepared(Parameters.widened(weight));
  }

  /** The layer with a FLOAT32 weight while open. */
  public final class Prepared implements AutoCloseable {
    private final NDArray w; // [out, in] FLOAT32

    private Prepared(NDArray w) {
      this.w = w;
    }

    /** {@code [..., in] -> [..., out]}, as {@link Linear#forward}. */
    public NDArray forward(NDArray x) {
      NDArray y = ai.djl.nn.core.Linear.linear(x, w, bias).singletonOrThrow(); // [..., out]
      FlopCounter.add(2 * y.getShape().size() * in()); // 2 x rows x out x in
      return y;
    }

    @Override
    public void close() {
      if (w != weight) {
        w.close();
      }
    }
  }
}
