package dev.stepwise.engine.image;

/**
 * Pillow's GaussianBlur construction (libImaging/BoxBlur.c ImagingGaussianBlur): three box blurs
 * along x, then three along y, each of the fractional radius {@code l + a} that gives variance
 * radius^2 / 3 per pass (Gwosdek et al. 2011, eqs. 7, 11, 14); edges extend the border pixel. In
 * float, on planar channels.
 */
final class BoxBlur {
  private BoxBlur() {}

  /** Pillow's _gaussian_blur_radius for three passes. */
  static double boxRadius(double radius) {
    double sigma2 = radius * radius / 3;
    double boxLength = Math.sqrt(12.0 * sigma2 + 1.0);
    double l = Math.floor((boxLength - 1.0) / 2.0);
    double a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
    a /= 6 * (sigma2 - (l + 1) * (l + 1));
    return l + a;
  }

  /** {@code planes} ([C, H, W]) blurred at {@code radius}; radius 0 returns them unchanged. */
  static float[] gaussian(float[] planes, int channels, int w, int h, int radius) {
    if (radius <= 0) {
      return planes;
    }
    double r = boxRadius(radius);
    float[] out = planes.clone(); // [C, H, W]
    float[] line = new float[Math.max(w, h)];
    float[] res = new float[Math.max(w, h)];
    for (int c = 0; c < channels; c++) {
      int base = c * w * h;
      for (int pass = 0; pass < 3; pass++) {
        for (int y = 0; y < h; y++) {
          System.arraycopy(out, base + y * w, line, 0, w);
          box(line, res, w, r);
          System.arraycopy(res, 0, out, base + y * w, w);
        }
      }
      for (int pass = 0; pass < 3; pass++) {
        for (int x = 0; x < w; x++) {
          for (int y = 0; y < h; y++) {
            line[y] = out[base + y * w + x];
          }
          box(line, res, h, r);
          for (int y = 0; y < h; y++) {
            out[base + y * w + x] = res[y];
          }
        }
      }
    }
    return out;
  }

  /**
   * One box of radius {@code l + a}: {@code (sum of in[i-l..i+l] + a (in[i-l-1] + in[i+l+1])) / (2
   * l + 1 + 2 a)}, indices clamped to the line (a running sum, so any radius costs the same).
   */
  private static void box(float[] in, float[] out, int n, double radius) {
    int l = (int) Math.floor(radius);
    double a = radius - l;
    double norm = 1.0 / (2 * l + 1 + 2 * a);
    double sum = 0;
    for (int i = -l; i <= l; i++) {
      sum += in[clamp(i, n)];
    }
    for (int i = 0; i < n; i++) {
      double edge = in[clamp(i - l - 1, n)] + in[clamp(i + l + 1, n)];
      out[i] = (float) ((sum + a * edge) * norm);
      sum += in[clamp(i + l + 1, n)] - in[clamp(i - l, n)];
    }
  }

  private static int clamp(int i, int n) {
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
  }
}
