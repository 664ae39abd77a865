package dev.stepwise.app.timeline;

import dev.stepwise.engine.RgbImage;

/** Resizes RGB frames by nearest neighbour (crisp latent blocks) or bilinear interpolation. */
public final class FrameScaler {
  private FrameScaler() {}

  /**
   * Returns {@code image} resized to {@code width x height}; bilinear when {@code smooth}, with
   * pixel centres aligned (source coordinate {@code (x + 0.5) * W / w - 0.5}, clamped at edges).
   */
  public static RgbImage scale(RgbImage image, int width, int height, boolean smooth) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("target size must be positive: " + width + "x" + height);
    }
    if (!smooth || (width == image.width() && height == image.height())) {
      return image.scaledNearest(width, height);
    }
    int sw = image.width();
    int sh = image.height();
    byte[] src = image.rgb(); // [sh, sw, 3]
    byte[] out = new byte[width * height * 3]; // [height, width, 3]
    double fx = sw / (double) width;
    double fy = sh / (double) height;
    for (int y = 0; y < height; y++) {
      double sy = Math.max(0, Math.min(sh - 1, (y + 0.5) * fy - 0.5));
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, sh - 1);
      double wy = sy - y0;
      for (int x = 0; x < width; x++) {
        double sx = Math.max(0, Math.min(sw - 1, (x + 0.5) * fx - 0.5));
        int x0 = (int) sx;
        int x1 = Math.min(x0 + 1, sw - 1);
        double wx = sx - x0;
        for (int c = 0; c < 3; c++) {
          double top =
              (src[(y0 * sw + x0) * 3 + c] & 0xff) * (1 - wx)
                  + (src[(y0 * sw + x1) * 3 + c] & 0xff) * wx;
          double bottom =
              (src[(y1 * sw + x0) * 3 + c] & 0xff) * (1 - wx)
                  + (src[(y1 * sw + x1) * 3 + c] & 0xff) * wx;
          out[(y * width + x) * 3 + c] = (byte) Math.round(top * (1 - wy) + bottom * wy);
        }
      }
    }
    return new RgbImage(width, height, out);
  }

  /**
   * Returns the size whose longer side is {@code longSide} and whose aspect ratio is that of a
   * {@code width x height} image, as {@code {w, h}}, each at least 1.
   */
  public static int[] fitLongSide(int width, int height, int longSide) {
    if (width >= height) {
      return new int[] {
        longSide, Math.max(1, (int) Math.round((double) longSide * height / width))
      };
    }
    return new int[] {Math.max(1, (int) Math.round((double) longSide * width / height)), longSide};
  }
}
