package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * A stride-1 convolution of SiLU(group norm(x)) or of x upsampled 2x by bands of output rows: rows
 * [r0, r1) read input rows [r0 - p, r1 + p) (zeros past the edges), so its input is never whole.
 */
public final class RowBands {
  private RowBands() {}

  /** Rows [r0, r1): {@code [B, C, r1 - r0, W]}, closed after use. */
  public interface Rows {
    NDArray rows(long r0, long r1);
  }

  /** conv(SiLU(norm(x))) + addend (or null): [B, in, H, W] -> [B, out, H, W]. */
  public static NDArray normSiluConv(
      GroupNorm norm, Conv2d conv, NDArray x, Rows addend, long maxFloats) {
    try (GroupNorm.Stats stats = norm.stats(x)) {
      Rows in = (a, e) -> norm.forwardSilu(x.get(rowIndex(a, e)), stats); // [B, in, e - a, W]
      return run(conv, x, x.getShape().get(2), x.getShape().get(3), in, addend, maxFloats);
    }
  }

  /** {@code conv(nearest2x(x))}: [B, in, H, W] -> [B, out, 2H, 2W]. */
  public static NDArray upsampleConv(Conv2d conv, NDArray x, long maxFloats) {
    long w2 = 2 * x.getShape().get(3);
    Rows in =
        (a, e) -> {
          long sa = a / 2; // upsampled row j is source row floor(j / 2)
          long se = (e - 1) / 2 + 1;
          NDArray up = Resample.nearest(x.get(rowIndex(sa, se)), 2 * (se - sa), w2);
          // up: [B, in, 2(se - sa), 2W], upsampled rows 2 sa to 2 se
          return up.get(rowIndex(a - 2 * sa, e - 2 * sa)); // [B, in, e - a, 2W]
        };
    return run(conv, x, 2 * x.getShape().get(2), w2, in, null, maxFloats);
  }

  private static NDArray run(
      Conv2d conv, NDArray x, long h, long w, Rows input, Rows addend, long maxFloats) {
    long b = x.getShape().get(0);
    int p = conv.padding();
    long rows = Math.max(1, maxFloats / Math.max(1, b * Math.max(conv.in(), conv.out()) * w));
    NDArray y = x.getManager().create(new Shape(b, conv.out(), h, w)); // [B, out, H, W]
    try (Conv2d.Prepared c = conv.prepare()) {
      for (long r0 = 0; r0 < h; r0 += rows) {
        long r1 = Math.min(h, r0 + rows);
        long a = Math.max(0, r0 - p); // the input rows this band reads
        long e = Math.min(h, r1 + p);
        try (Scope band = Scope.open(x, y)) {
          NDArray in = input.rows(a, e); // [B, in, e - a, W]
          if (a > r0 - p || e < r1 + p) {
            in = in.pad(new Shape(0, 0, p - (r0 - a), p - (e - r1)), 0); // the edges' zero rows
          }
          NDArray out = c.forwardRows(in); // [B, out, r1 - r0, W]
          if (addend != null) {
            NDArray add = addend.rows(r0, r1); // [B, out, r1 - r0, W]
            out.addi(add);
            add.close();
          }
          y.set(rowIndex(r0, r1), out); // y[:, :, r0:r1] = out
        }
      }
    }
    return y;
  }

  private static NDIndex rowIndex(long from, long to) {
    return new NDIndex(":, :, {}:{}, :", from, to);
  }
}
