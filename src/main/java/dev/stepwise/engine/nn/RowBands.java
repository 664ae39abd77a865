package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/**
 * A stride-1 convolution with padding p = (k - 1) / 2 of a per-pixel function of its input (group
 * norm with whole-tensor statistics, SiLU; or of a nearest-neighbour 2x upsampling), computed a
 * band of output rows at a time. Output rows [r0, r1) read input rows [r0 - p, r1 + p) and nothing
 * else; rows beyond the edges are the zeros the padding would give. So neither the function's
 * full-size result nor the convolution's own full-size working copies ever exist: at a 512x512
 * decode they are 134-268 MB each. Apart from the summation order inside libtorch's kernels
 * (AutoencoderKLBandsTest compares with the whole-tensor path) the result is the convolution of the
 * whole tensor.
 */
public final class RowBands {
  private RowBands() {}

  /** Rows {@code [r0, r1)} of something the band adds to its output (a skip connection). */
  public interface Addend {
    /** {@code [B, out, r1 - r0, W]}: a fresh array or a view, which the band closes after use. */
    NDArray rows(long r0, long r1);
  }

  /** Rows per band so that the widest band array holds about {@code maxFloats} floats. */
  static long bandRows(long batch, long channels, long width, long maxFloats) {
    return Math.max(1, maxFloats / Math.max(1, batch * channels * width));
  }

  /**
   * {@code conv(f(x)) + addend}: {@code x [B, in, H, W] -> [B, out, H, W]} for a stride-1 {@code
   * conv}; {@code f} must act on each pixel alone ({@code f} of some rows = those rows of {@code
   * f(x)}); {@code addend} may be null. The result belongs to the manager of {@code x}.
   */
  public static NDArray conv(
      Conv2d conv, NDArray x, UnaryOperator<NDArray> f, Addend addend, long maxFloats) {
    Shape s = x.getShape();
    long b = s.get(0);
    long h = s.get(2);
    long w = s.get(3);
    int p = conv.padding();
    long rows = bandRows(b, Math.max(conv.in(), conv.out()), w, maxFloats);
    NDArray y = x.getManager().create(new Shape(b, conv.out(), h, w)); // [B, out, H, W]
    try (Conv2d.Prepared c = conv.prepare()) {
      for (long r0 = 0; r0 < h; r0 += rows) {
        long r1 = Math.min(h, r0 + rows);
        long a = Math.max(0, r0 - p); // the input rows this band reads
        long e = Math.min(h, r1 + p);
        try (Scope band = Scope.open(x, y)) {
          NDArray in = f.apply(x.get(rowIndex(a, e))); // [B, in, e - a, W]
          write(y, c, padRows(in, p - (r0 - a), p - (e - r1)), addend, r0, r1);
        }
      }
    }
    return y;
  }

  /**
   * {@code conv(nearest2x(x))}: {@code x [B, in, H, W] -> [B, out, 2H, 2W]} (the decoder's
   * upsampler), upsampling only the source rows each band reads (nearest-neighbour output row j is
   * source row floor(j / 2), so a band's upsampled rows are exactly those of the whole).
   */
  public static NDArray upsampleConv(Conv2d conv, NDArray x, long maxFloats) {
    Shape s = x.getShape();
    long b = s.get(0);
    long h2 = 2 * s.get(2);
    long w2 = 2 * s.get(3);
    int p = conv.padding();
    long rows = bandRows(b, Math.max(conv.in(), conv.out()), w2, maxFloats);
    NDArray y = x.getManager().create(new Shape(b, conv.out(), h2, w2)); // [B, out, 2H, 2W]
    try (Conv2d.Prepared c = conv.prepare()) {
      for (long r0 = 0; r0 < h2; r0 += rows) {
        long r1 = Math.min(h2, r0 + rows);
        long a = Math.max(0, r0 - p); // upsampled rows read: [a, e)
        long e = Math.min(h2, r1 + p);
        long sa = a / 2; // their source rows: [sa, se)
        long se = (e - 1) / 2 + 1;
        try (Scope band = Scope.open(x, y)) {
          NDArray src = x.get(rowIndex(sa, se)); // [B, in, se - sa, W]
          NDArray up = Resample.nearest(src, 2 * (se - sa), w2); // rows [2 sa, 2 se) of 2x
          NDArray in = up.get(rowIndex(a - 2 * sa, e - 2 * sa)); // [B, in, e - a, 2W]
          write(y, c, padRows(in, p - (r0 - a), p - (e - r1)), null, r0, r1);
        }
      }
    }
    return y;
  }

  private static NDIndex rowIndex(long from, long to) {
    return new NDIndex(":, :, {}:{}, :", from, to);
  }

  /** {@code in} with {@code top} and {@code bottom} zero rows added (the image's edges). */
  private static NDArray padRows(NDArray in, long top, long bottom) {
    if (top == 0 && bottom == 0) {
      return in;
    }
    return in.pad(new Shape(0, 0, top, bottom), 0); // [B, C, top + r + bottom, W]
  }

  /** y[:, :, r0:r1] = conv(rows) (+ addend's rows). */
  private static void write(
      NDArray y, Conv2d.Prepared c, NDArray rows, Addend addend, long r0, long r1) {
    NDArray out = c.forwardRows(rows); // [B, out, r1 - r0, W]
    if (addend != null) {
      NDArray add = addend.rows(r0, r1); // [B, out, r1 - r0, W]
      out.addi(add); // [B, out, r1 - r0, W]
      add.close(); // its manager may outlive the band
    }
    y.set(rowIndex(r0, r1), out);
  }
}
