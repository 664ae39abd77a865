package dev.stepwise.engine.image;

/**
 * Pillow's {@code Image.resize} for 8-bit images, bit for bit (libImaging/Resample.c, Pillow 9):
 * separable convolution, horizontal pass first into 8-bit rows, then vertical; each output pixel's
 * weights are {@code filter((x + xmin - center + 0.5) / filterscale)} over the source pixels within
 * {@code support * filterscale} of its centre, normalised to sum 1 and rounded to 22-bit fixed
 * point; sums are rounded and clipped to 0..255. {@code filterscale = max(1, in / out)} widens the
 * filter when shrinking (antialiasing). AUTOMATIC1111 resizes every init image and mask this way
 * (modules/images.py resize_image, {@code LANCZOS}) and the latent mask with Pillow's default
 * ({@code BICUBIC}).
 *
 * <p>Pixels are interleaved rows, {@code channels} bytes a pixel ([H, W, C]).
 */
public final class PilResample {
  private PilResample() {}

  /** A resampling filter with Pillow's support and kernel. */
  public enum Filter {
    /** Lanczos-3: sinc(x) sinc(x / 3) on [-3, 3) (Resample.c lanczos_filter). */
    LANCZOS(3.0),
    /** Keys' cubic with a = -0.5 on (-2, 2) (Resample.c bicubic_filter). */
    BICUBIC(2.0);

    final double support;

    Filter(double support) {
      this.support = support;
    }

    double weight(double x) {
      if (this == LANCZOS) {
        return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
      }
      double a = -0.5;
      double ax = Math.abs(x);
      if (ax < 1.0) {
        return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
      }
      if (ax < 2.0) {
        return (((ax - 5) * ax + 8) * ax - 4) * a;
      }
      return 0.0;
    }

    private static double sinc(double x) {
      if (x == 0.0) {
        return 1.0;
      }
      x = x * Math.PI;
      return StrictMath.sin(x) / x;
    }
  }

  private static final int PRECISION_BITS = 32 - 8 - 2;

  /** {@code in} ([h, w, channels]) resized to outW x outH, as {@code im.resize((outW, outH))}. */
  public static byte[] resize(
      byte[] in, int w, int h, int channels, int outW, int outH, Filter filter) {
    return resize(in, w, h, channels, new double[] {0, 0, w, h}, outW, outH, filter);
  }

  /**
   * {@code in} resized to outW x outH from the source rectangle {@code box} = {x0, y0, x1, y1}, as
   * {@code im.resize((outW, outH), box=box)}; a box of zero height (or width) blends the rows (or
   * columns) next to that edge, as A1111's "Resize and fill" bands do.
   */
  public static byte[] resize(
      byte[] in, int w, int h, int channels, double[] box, int outW, int outH, Filter filter) {
    if (outW == w && outH == h && box[0] == 0 && box[1] == 0 && box[2] == w && box[3] == h) {
      return in.clone(); // Image.resize returns a copy
    }
    boolean horizontal = outW != w || box[0] != 0 || box[2] != outW; // Pillow compares box[2]
    boolean vertical = outH != h || box[1] != 0 || box[3] != outH; // with the output size
    Coefficients kh = Coefficients.of(w, box[0], box[2], outW, filter);
    Coefficients kv = Coefficients.of(h, box[1], box[3], outH, filter);
    byte[] src = in;
    int srcW = w;
    int rowOffset = 0;
    if (horizontal) {
      int first = kv.bounds[0];
      int last = kv.bounds[(outH - 1) * 2] + kv.bounds[(outH - 1) * 2 + 1];
      byte[] tmp = new byte[(last - first) * outW * channels]; // [last - first, outW, C]
      for (int y = 0; y < last - first; y++) {
        for (int x = 0; x < outW; x++) {
          int xmin = kh.bounds[x * 2];
          int n = kh.bounds[x * 2 + 1];
          for (int c = 0; c < channels; c++) {
            int ss = 1 << (PRECISION_BITS - 1);
            for (int k = 0; k < n; k++) {
              ss +=
                  (in[((y + first) * w + xmin + k) * channels + c] & 0xff) * kh.k[x * kh.size + k];
            }
            tmp[(y * outW + x) * channels + c] = clip8(ss);
          }
        }
      }
      src = tmp;
      srcW = outW;
      rowOffset = first; // the vertical bounds are shifted by the first row used
    }
    if (!vertical) {
      return src == in ? in.clone() : src;
    }
    byte[] out = new byte[outH * srcW * channels]; // [outH, W', C]
    for (int y = 0; y < outH; y++) {
      int ymin = kv.bounds[y * 2] - (horizontal ? rowOffset : 0);
      int n = kv.bounds[y * 2 + 1];
      for (int x = 0; x < srcW; x++) {
        for (int c = 0; c < channels; c++) {
          int ss = 1 << (PRECISION_BITS - 1);
          for (int k = 0; k < n; k++) {
            ss += (src[((ymin + k) * srcW + x) * channels + c] & 0xff) * kv.k[y * kv.size + k];
          }
          out[(y * srcW + x) * channels + c] = clip8(ss);
        }
      }
    }
    return out;
  }

  private static byte clip8(int v) {
    if (v >= (1 << PRECISION_BITS << 8)) {
      return (byte) 255;
    }
    if (v <= 0) {
      return 0;
    }
    return (byte) (v >> PRECISION_BITS);
  }

  /** One axis' weights: per output pixel the first source index, the count and the weights. */
  private record Coefficients(int size, int[] bounds, int[] k) {
    /** Resample.c precompute_coeffs, then normalize_coeffs_8bpc. */
    static Coefficients of(int inSize, double in0, double in1, int outSize, Filter f) {
      double scale = (in1 - in0) / outSize;
      double filterscale = Math.max(1.0, scale);
      double support = f.support * filterscale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      double[] kk = new double[outSize * ksize];
      int[] bounds = new int[outSize * 2];
      for (int xx = 0; xx < outSize; xx++) {
        double center = in0 + (xx + 0.5) * scale;
        double ww = 0.0;
        double ss = 1.0 / filterscale;
        int xmin = (int) (center - support + 0.5); // C's truncation toward zero
        if (xmin < 0) {
          xmin = 0;
        }
        int xmax = (int) (center + support + 0.5);
        if (xmax > inSize) {
          xmax = inSize;
        }
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
          double w = f.weight((x + xmin - center + 0.5) * ss);
          kk[xx * ksize + x] = w;
          ww += w;
        }
        for (int x = 0; x < xmax; x++) {
          if (ww != 0.0) {
            kk[xx * ksize + x] /= ww;
          }
        }
        bounds[xx * 2] = xmin;
        bounds[xx * 2 + 1] = xmax;
      }
      int[] fixed = new int[kk.length];
      for (int i = 0; i < kk.length; i++) {
        fixed[i] =
            kk[i] < 0
                ? (int) (-0.5 + kk[i] * (1 << PRECISION_BITS))
                : (int) (0.5 + kk[i] * (1 << PRECISION_BITS));
      }
      return new Coefficients(ksize, bounds, fixed);
    }
  }
}
