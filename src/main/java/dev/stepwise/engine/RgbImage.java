package dev.stepwise.engine;

/**
 * An 8-bit RGB image, row-major, 3 bytes per pixel (HWC). The array is owned by the image: callers
 * must not modify it.
 */
public record RgbImage(int width, int height, byte[] rgb) {
  public RgbImage {
    if (width <= 0 || height <= 0 || rgb.length != (long) width * height * 3) {
      throw new IllegalArgumentException(
          "an RGB image of " + width + "x" + height + " needs " + (long) width * height * 3
              + " bytes, got " + rgb.length);
    }
  }

  /** The pixel at (x, y) as 0xRRGGBB. */
  public int rgbAt(int x, int y) {
    int i = (y * width + x) * 3;
    return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
  }

  /** This image resized to {@code w x h} by nearest neighbour (crisp blocks for latent previews). */
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
