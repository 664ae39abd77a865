package dev.stepwise.engine;

/**
 * An 8-bit RGB image, row-major, 3 bytes per pixel (HWC). The array is owned by the image: callers
 * must not modify it.
 */
public record RgbImage(int width, int height, byte[] rgb) {
  public RgbImage {
    if (width <= 0 || height <= 0 || rgb.length != (long) width * height * 3) {
      throw new IllegalArgumentException(
          "An RGB image of "
              + width
              + "x"
              + height
              + " needs "
              + (long) width * height * 3
              + " bytes, got "
              + rgb.length
              + ".");
    }
  }

  /**
   * An image from CHW floats in [0, 1] ([1, 3, H, W] as a decoder returns it), clamped and rounded
   * as diffusers' numpy_to_pil: round(clamp(v, 0, 1) * 255).
   */
  public static RgbImage fromChw(float[] chw, int width, int height) {
    int plane = width * height;
    byte[] rgb = new byte[plane * 3]; // [H, W, 3]
    for (int p = 0; p < plane; p++) {
      for (int k = 0; k < 3; k++) {
        float v = chw[k * plane + p];
        v = v < 0 ? 0 : (v > 1 ? 1 : v);
        rgb[p * 3 + k] = (byte) Math.round(v * 255f);
      }
    }
    return new RgbImage(width, height, rgb);
  }

  /** The pixel at (x, y) as 0xRRGGBB. */
  public int rgbAt(int x, int y) {
    int i = (y * width + x) * 3;
    return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
  }

  /**
   * This image resized to {@code w x h} by bilinear interpolation with pixel centres aligned:
   * source coordinate {@code (x + 0.5) * W / w - 0.5}, clamped at the edges. That is PyTorch's
   * {@code F.interpolate(mode="bilinear", align_corners=False)}, which the preview decoder's
   * distillation uses too, so a preview upscaled here is the frame it was trained for.
   */
  public RgbImage scaledSmooth(int w, int h) {
    if (w < 1 || h < 1) {
      throw new IllegalArgumentException(
          "The target size must be positive, got " + w + "x" + h + ".");
    }
    if (w == width && h == height) {
      return this;
    }
    byte[] out = new byte[w * h * 3]; // [h, w, 3]
    int[] x0 = new int[w];
    int[] x1 = new int[w];
    double[] wx = new double[w];
    for (int x = 0; x < w; x++) {
      double sx = Math.max(0, Math.min(width - 1, (x + 0.5) * width / w - 0.5));
      x0[x] = (int) sx;
      x1[x] = Math.min(x0[x] + 1, width - 1);
      wx[x] = sx - x0[x];
    }
    for (int y = 0; y < h; y++) {
      double sy = Math.max(0, Math.min(height - 1, (y + 0.5) * height / h - 0.5));
      int ya = (int) sy;
      int yb = Math.min(ya + 1, height - 1);
      double wy = sy - ya;
      int rowA = ya * width * 3;
      int rowB = yb * width * 3;
      int o = y * w * 3;
      for (int x = 0; x < w; x++) {
        int a = rowA + x0[x] * 3;
        int b = rowA + x1[x] * 3;
        int c = rowB + x0[x] * 3;
        int d = rowB + x1[x] * 3;
        double fx = wx[x];
        for (int k = 0; k < 3; k++) {
          double top = (rgb[a + k] & 0xff) * (1 - fx) + (rgb[b + k] & 0xff) * fx;
          double bottom = (rgb[c + k] & 0xff) * (1 - fx) + (rgb[d + k] & 0xff) * fx;
          out[o++] = (byte) Math.round(top * (1 - wy) + bottom * wy);
        }
      }
    }
    return new RgbImage(w, h, out);
  }

  /** This image resized to {@code w x h} by nearest neighbour (crisp blocks). */
  public RgbImage scaledNearest(int w, int h) {
    if (w == width && h == height) {
      return this;
    }
    byte[] out = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      int sy = (int) ((long) y * height / h);
      for (int x = 0; x < w; x++) {
        int sx = (int) ((long) x * width / w);
        System.arraycopy(rgb, (sy * width + sx) * 3, out, (y * w + x) * 3, 3);
      }
    }
    return new RgbImage(w, h, out);
  }
}
