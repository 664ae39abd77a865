package dev.stepwise.app.studio;

/**
 * A frame ready for the canvas: packed ARGB pixels made off the UI thread, so drawing is one bulk
 * copy.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param argb {@code width * height} pixels, 0xAARRGGBB, row-major; owned by the frame
 */
public record LiveFrame(int width, int height, int[] argb) {

  /** Packs an 8-bit RGB image (HWC) into opaque ARGB. */
  public static LiveFrame of(dev.stepwise.engine.RgbImage image) {
    byte[] rgb = image.rgb();
    int n = image.width() * image.height();
    int[] out = new int[n];
    for (int i = 0, j = 0; i < n; i++, j += 3) {
      out[i] = 0xff000000 | (rgb[j] & 0xff) << 16 | (rgb[j + 1] & 0xff) << 8 | (rgb[j + 2] & 0xff);
    }
    return new LiveFrame(image.width(), image.height(), out);
  }
}
