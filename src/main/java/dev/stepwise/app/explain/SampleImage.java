package dev.stepwise.app.explain;

import dev.stepwise.engine.RgbImage;

/**
 * The explorer's default picture, drawn in code: a sky gradient, a sun and a hill, shapes that stay
 * recognisable under moderate noise (like the figures of Ho et al. 2020).
 */
public final class SampleImage {
  private SampleImage() {}

  /** Draws the picture at {@code size x size}. */
  public static RgbImage create(int size) {
    byte[] rgb = new byte[size * size * 3];
    double sunX = 0.68 * size;
    double sunY = 0.32 * size;
    double sunR = 0.14 * size;
    for (int y = 0; y < size; y++) {
      double v = y / (double) (size - 1);
      for (int x = 0; x < size; x++) {
        double u = x / (double) (size - 1);
        double r = 40 + 120 * v;
        double g = 90 + 110 * v;
        double b = 200 + 40 * (1 - v);
        double hill = 0.72 + 0.08 * Math.sin(u * Math.PI * 2.2 + 0.6);
        if (v > hill) {
          r = 40 + 30 * u;
          g = 130 - 40 * (v - hill) / (1 - hill);
          b = 50;
        } else if (Math.hypot(x - sunX, y - sunY) < sunR) {
          r = 250;
          g = 200;
          b = 60;
        }
        int i = (y * size + x) * 3;
        rgb[i] = (byte) Math.max(0, Math.min(255, (int) r));
        rgb[i + 1] = (byte) Math.max(0, Math.min(255, (int) g));
        rgb[i + 2] = (byte) Math.max(0, Math.min(255, (int) b));
      }
    }
    return new RgbImage(size, size, rgb);
  }
}
