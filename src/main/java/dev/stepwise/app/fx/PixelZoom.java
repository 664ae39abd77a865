package dev.stepwise.app.fx;

/**
 * Zoom arithmetic shared by the live canvas and the lightbox. Enlargements use whole-number
 * factors, so every image pixel becomes an even block of screen pixels: a 64-pixel emoji stays
 * crisp at any size. The blocks are made here ({@link #replicate}), not left to {@code
 * ImageView.setSmooth(false)}: JavaFX's software renderer (Xvfb, virtual machines, {@code
 * -Dprism.order=sw}) interpolates regardless. Reductions (below 1) are smooth.
 */
public final class PixelZoom {
  /** The most pixels an enlarged copy may have (4096 x 4096, 64 MiB of ARGB). */
  public static final long MAX_ENLARGED_PIXELS = 4096L * 4096L;

  /** The zoom steps of "zoom in" and "zoom out": reductions, 1:1, then whole-number factors. */
  static final double[] LEVELS = {0.125, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32};

  private static final double EPS = 1e-9;

  private PixelZoom() {}

  /**
   * The scale that fits a {@code iw} x {@code ih} picture into a {@code vw} x {@code vh} area: the
   * largest whole-number factor when the picture is smaller than the area (at least 1), else the
   * exact reduction. 1 when a size is unknown (zero or negative).
   */
  public static double fit(double iw, double ih, double vw, double vh) {
    if (iw <= 0 || ih <= 0 || vw <= 0 || vh <= 0) {
      return 1;
    }
    double s = Math.min(vw / iw, vh / ih);
    return s >= 1 ? Math.floor(s + EPS) : s;
  }

  /** The next zoom step above {@code scale} (the largest step stays). */
  public static double zoomIn(double scale) {
    for (double level : LEVELS) {
      if (level > scale + EPS) {
        return level;
      }
    }
    return LEVELS[LEVELS.length - 1];
  }

  /** The next zoom step below {@code scale} (the smallest step stays). */
  public static double zoomOut(double scale) {
    for (int i = LEVELS.length - 1; i >= 0; i--) {
      if (LEVELS[i] < scale - EPS) {
        return LEVELS[i];
      }
    }
    return LEVELS[0];
  }

  /** Whether a picture shown at {@code scale} is sampled smoothly: only when it is reduced. */
  public static boolean smooth(double scale) {
    return scale < 1 - EPS;
  }

  /**
   * The whole-number factor to enlarge a {@code w} x {@code h} picture by before showing it at
   * {@code scale}: the largest divisor of a whole {@code scale} whose copy stays within {@link
   * #MAX_ENLARGED_PIXELS}; 1 for a reduction, 1:1 or a fractional scale.
   */
  public static int factor(int w, int h, double scale) {
    if (scale < 2 - EPS || Math.abs(scale - Math.rint(scale)) > EPS) {
      return 1;
    }
    int s = (int) Math.rint(scale);
    for (int k = s; k > 1; k--) {
      if (s % k == 0 && (long) w * k * h * k <= MAX_ENLARGED_PIXELS) {
        return k;
      }
    }
    return 1;
  }

  /**
   * Writes {@code src} ({@code w} x {@code h} ARGB, rows top to bottom) enlarged {@code k} times
   * into {@code dst} ({@code w*k} x {@code h*k}): each pixel becomes a k x k block
   * (nearest-neighbour).
   */
  public static void replicate(int[] src, int w, int h, int k, java.nio.IntBuffer dst) {
    int ow = w * k;
    int[] row = new int[ow];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        java.util.Arrays.fill(row, x * k, x * k + k, src[y * w + x]);
      }
      for (int r = 0; r < k; r++) {
        dst.put((y * k + r) * ow, row);
      }
    }
  }

  /** {@code image} enlarged {@code k} times by {@link #replicate}; {@code image} itself for 1. */
  public static javafx.scene.image.Image enlarge(javafx.scene.image.Image image, int k) {
    if (k <= 1) {
      return image;
    }
    int w = (int) image.getWidth();
    int h = (int) image.getHeight();
    int[] src = new int[w * h]; // [h, w] ARGB
    image
        .getPixelReader()
        .getPixels(0, 0, w, h, javafx.scene.image.PixelFormat.getIntArgbInstance(), src, 0, w);
    java.nio.IntBuffer dst = java.nio.IntBuffer.allocate(w * k * h * k); // [h*k, w*k]
    replicate(src, w, h, k, dst);
    javafx.scene.image.WritableImage out = new javafx.scene.image.WritableImage(w * k, h * k);
    out.getPixelWriter()
        .setPixels(
            0, 0, w * k, h * k, javafx.scene.image.PixelFormat.getIntArgbInstance(), dst, w * k);
    return out;
  }

  /** The scale as a percentage, such as {@code "300%"} or {@code "12.5%"}. */
  public static String percent(double scale) {
    double p = scale * 100;
    return (Math.abs(p - Math.rint(p)) < 0.05
            ? Long.toString(Math.round(p))
            : String.format(java.util.Locale.ROOT, "%.1f", p))
        + "%";
  }
}
