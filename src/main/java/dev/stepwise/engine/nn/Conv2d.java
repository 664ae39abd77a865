package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** A 2-D convolution with PyTorch's {@code weight[out, in, kh, kw]} layout, stride and padding. */
public final class Conv2d {
  private static final Shape DILATION = new Shape(1, 1);
  private final NDArray weight; // [out, in, k, k]
  private final NDArray bias; // [out]
  private final Shape stride;
  private final Shape padding;

  private Conv2d(NDArray weight, NDArray bias, int stride, int padding) {
    this.weight = weight;
    this.bias = bias;
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(padding, padding);
  }

  /** Loads {@code name.weight[out,in,k,k]} and {@code name.bias[out]}. */
  public static Conv2d load(
      Parameters p, String name, long in, long out, int kernel, int stride, int padding) {
    Parameters q = p.prefix(name);
    NDArray w = q.get("weight", out, in, kernel, kernel);
    NDArray b = q.get("bias", out);
    return new Conv2d(w, b, stride, padding);
  }

  /** A 3x3, stride 1, padding 1 convolution: the UNet's and VAE's usual one. */
  public static Conv2d load3x3(Parameters p, String name, long in, long out) {
    return load(p, name, in, out, 3, 1, 1);
  }

  /** Wraps given arrays (weight {@code [out,in,k,k]}, bias {@code [out]} or null). */
  public static Conv2d of(NDArray weight, NDArray bias, int stride, int padding) {
    return new Conv2d(weight, bias, stride, padding);
  }

  /** {@code [B, in, H, W] -> [B, out, H', W']}. */
  public NDArray forward(NDArray x) {
    NDArray y =
        ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, stride, padding, DILATION, 1)
            .singletonOrThrow(); // [B, out, H', W']
    // 2 x B x out x H' x W' x (in x k x k) FLOP
    FlopCounter.add(2 * y.getShape().size() * (weight.getShape().size() / weight.getShape().get(0)));
    return y;
  }
}
