package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** The element-wise activations of the SD networks; each keeps its input as the first operand. */
public final class Activations {
  private Activations() {}

  /** SiLU / swish, x * sigmoid(x) (Elfwing et al. 2017; torch.nn.SiLU). */
  public static NDArray silu(NDArray x) {
    return x.mul(x.getNDArrayInternal().sigmoid()); // [same]
  }

  /** GELU in its exact erf form, x * Phi(x) (Hendrycks and Gimpel 2016; torch default). */
  public static NDArray gelu(NDArray x) {
    return x.getNDArrayInternal().gelu(); // [same]
  }

  /** OpenAI CLIP's quick GELU, x * sigmoid(1.702 x) (transformers activations.py QuickGELU). */
  public static NDArray quickGelu(NDArray x) {
    return x.mul(x.mul(1.702f).getNDArrayInternal().sigmoid()); // [same]
  }

  /**
   * GEGLU (Shazeer 2020; diffusers activations.py GEGLU): splits the last axis of an already
   * projected {@code h [..., 2I]} into halves {@code a, gate} and returns {@code a * gelu(gate)}.
   */
  public static NDArray geglu(NDArray h) {
    NDList halves = h.split(2, h.getShape().dimension() - 1); // 2 x [..., I]
    // gelu(gate) is a fresh array: multiply into it (a * b == b * a exactly) instead of a third.
    return gelu(halves.get(1)).muli(halves.get(0)); // [..., I]
  }
}
