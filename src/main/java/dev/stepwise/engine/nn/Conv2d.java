package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * A 2-D convolution with PyTorch's {@code weight[out, in, kh, kw]} layout, stride and padding.
 *
 * <p>Two equivalent paths. The native one calls libtorch's convolution. On the CPU, libtorch's
 * (oneDNN) convolution is very slow for wide layers on small maps: a 1280 -&gt; 1280 3x3 conv on a
 * 8x8 map took 197 ms against 45 ms for the same product written as im2col + one matrix multiply
 * (measured here, see README "Performance"), and Stable Diffusion runs exactly such layers at its
 * lowest resolutions. So on the CPU, layers with at least {@link #IM2COL_MIN_WEIGHTS} weights on
 * maps of at most {@link #IM2COL_MAX_PIXELS} output pixels use im2col; the choice depends only on
 * shapes, so the same request always takes the same path (identical pixels run to run). The native
 * path is the naive twin the tests compare against.
 *
 * <p>A FLOAT16 kernel ({@link WeightPrecision}) is widened to FLOAT32 for each call, then freed.
 */
public final class Conv2d {
  /**
   * Weight count from which im2col is considered (1280 x 1280 x 3 x 3 = 14.7M qualifies, 640 x 640
   * x 9 does not).
   */
  static final long IM2COL_MIN_WEIGHTS = 10_000_000L;

  /** Largest output map (pixels per image) that takes the im2col path. */
  static final long IM2COL_MAX_PIXELS = 256;

  private static final Shape DILATION = new Shape(1, 1);
  private final NDArray weight; // [out, in, k, k], FLOAT32 or FLOAT16
  private final NDArray bias; // [out] FLOAT32
  private final boolean square; // kh == kw, which im2col assumes
  private final NDArray biasColumn; // [out, 1], a view of bias, or null
  private final int kernel;
  private final int strideValue;
  private final int paddingValue;
  private final Shape stride;
  private final Shape padding;

  private Conv2d(NDArray weight, NDArray bias, int stride, int padding) {
    this.weight = weight;
    this.bias = bias;
    long[] s = weight.getShape().getShape();
    this.kernel = (int) s[2];
    this.square = s[2] == s[3];
    this.biasColumn = bias == null ? null : bias.reshape(s[0], 1);
    this.strideValue = stride;
    this.paddingValue = padding;
    this.stride = new Shape(stride, stride);
    this.padding = new Shape(padding, padding);
  }

  /** Loads {@code name.weight[out,in,k,k]} and {@code name.bias[out]}. */
  public static Conv2d load(
      Parameters p, String name, long in, long out, int kernel, int stride, int padding) {
    Parameters q = p.prefix(name);
    NDArray w = q.weight("weight", out, in, kernel, kernel);
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
    try (Prepared p = prepare()) {
      return p.forward(x); // [B, out, H', W']
    }
  }

  /** The layer with its kernel widened once for several calls (row bands); close it after. */
  public Prepared prepare() {
    return new Prepared(Parameters.widened(weight));
  }

  public long out() {
    return weight.getShape().get(0);
  }

  public long in() {
    return weight.getShape().get(1);
  }

  /** Zero padding, every side. */
  public int padding() {
    return paddingValue;
  }

  /** The layer with a FLOAT32 kernel while open. */
  public final class Prepared implements AutoCloseable {
    private final NDArray w; // [out, in, k, k] FLOAT32

    private Prepared(NDArray w) {
      this.w = w;
    }

    /** As {@link Conv2d#forward}. */
    public NDArray forward(NDArray x) {
      Shape s = x.getShape();
      long outH = (s.get(2) + 2L * paddingValue - kernel) / strideValue + 1;
      long outW = (s.get(3) + 2L * paddingValue - kernel) / strideValue + 1;
      return counted(
          useIm2col(x, outH * outW)
              ? forwardIm2col(x, w, outH, outW)
              : forwardNative(x, w, padding)); // [B, out, H', W']
    }

    /**
     * Rows that carry their own padding (stride 1): {@code [B, in, r + 2p, W] -> [B, out, r, W]}.
     */
    public NDArray forwardRows(NDArray x) {
      return counted(forwardNative(x, w, new Shape(0, paddingValue))); // [B, out, r, W']
    }

    @Override
    public void close() {
      if (w != weight) {
        w.close();
      }
    }
  }

  private NDArray counted(NDArray y) {
    // 2 x B x out x H' x W' x (in x k x k) FLOP
    FlopCounter.add(
        2 * y.getShape().size() * (weight.getShape().size() / weight.getShape().get(0)));
    return y;
  }

  /** Whether {@link #forward} takes the im2col path for {@code x} (for tests and the benchmark). */
  boolean useIm2colFor(NDArray x) {
    Shape s = x.getShape();
    long outH = (s.get(2) + 2L * paddingValue - kernel) / strideValue + 1;
    long outW = (s.get(3) + 2L * paddingValue - kernel) / strideValue + 1;
    return useIm2col(x, outH * outW);
  }

  private boolean useIm2col(NDArray x, long outPixels) {
    return square
        && kernel > 1
        && !x.getDevice().isGpu()
        && weight.getShape().size() >= IM2COL_MIN_WEIGHTS
        && outPixels <= IM2COL_MAX_PIXELS;
  }

  /** libtorch's convolution (the naive twin). */
  NDArray forwardNative(NDArray x) {
    try (Prepared p = prepare()) {
      return forwardNative(x, p.w, padding);
    }
  }

  /** The im2col path with this layer's kernel. */
  NDArray forwardIm2col(NDArray x, long outH, long outW) {
    try (Prepared p = prepare()) {
      return forwardIm2col(x, p.w, outH, outW);
    }
  }

  /** libtorch's convolution with kernel {@code w [out, in, k, k]} (FLOAT32) and {@code pad}. */
  private NDArray forwardNative(NDArray x, NDArray w, Shape pad) {
    return ai.djl.nn.convolutional.Conv2d.conv2d(x, w, bias, stride, pad, DILATION, 1)
        .singletonOrThrow(); // [B, out, H', W']
  }

  /**
   * The same convolution as one matrix product: the k x k shifted (and strided) views of the
   * zero-padded input are stacked into columns [B, in*k*k, H'*W'] (index in*k*k + ky*k + kx, the
   * order of weight.reshape(out, in*k*k)), then weight [out, in*k*k] x columns.
   */
  private NDArray forwardIm2col(NDArray x, NDArray w, long outH, long outW) {
    long b = x.getShape().get(0);
    long in = x.getShape().get(1);
    int p = paddingValue;
    NDArray padded = p > 0 ? x.pad(new Shape(p, p, p, p), 0) : x; // [B, in, H+2p, W+2p]
    NDList shifts = new NDList(kernel * kernel);
    long spanH = strideValue * (outH - 1) + 1;
    long spanW = strideValue * (outW - 1) + 1;
    for (int ky = 0; ky < kernel; ky++) {
      for (int kx = 0; kx < kernel; kx++) {
        shifts.add(
            padded.get(
                new NDIndex(
                    ":, :, {}:{}:{}, {}:{}:{}",
                    ky,
                    ky + spanH,
                    strideValue,
                    kx,
                    kx + spanW,
                    strideValue)));
        // each: [B, in, H', W']
      }
    }
    NDArray cols = NDArrays.stack(shifts, 2).reshape(b, in * kernel * kernel, outH * outW);
    // cols: [B, in*k*k, H'*W']
    NDArray y;
    try (NDArray matrix = w.reshape(w.getShape().get(0), in * kernel * kernel)) {
      // matrix: [out, in*k*k], a view of w
      y = matrix.matMul(cols); // [B, out, H'*W'] (weight broadcast over the batch)
    }
    y.attach(x.getManager()); // the weight came first: hand the result to the caller's manager
    if (biasColumn != null) {
      y = y.add(biasColumn); // [B, out, H'*W']
    }
    return y.reshape(b, weight.getShape().get(0), outH, outW); // [B, out, H', W']
  }
}
