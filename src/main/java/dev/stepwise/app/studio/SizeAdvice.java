package dev.stepwise.app.studio;

/**
 * What the studio says about a size larger than the model's own: a model trained at N x N pixels
 * tends to repeat or fuse its subject beyond it (AUTOMATIC1111 users know it as the reason for
 * "hires. fix"), so such a size runs, with a warning.
 */
public final class SizeAdvice {
  private SizeAdvice() {}

  /**
   * The warning for {@code width x height} with a model trained at {@code nativeSize}, or null when
   * neither side is larger (or the model's size is not known yet, 0).
   */
  public static String warning(int width, int height, int nativeSize) {
    return warning(width, height, nativeSize, false);
  }

  /**
   * As {@link #warning(int, int, int)}; with {@code byArea} (SDXL, trained on aspect buckets of
   * about N x N pixels, from 1024 x 1024 to 1216 x 832 and beyond) only a size of more pixels than
   * N x N is warned about.
   */
  public static String warning(int width, int height, int nativeSize, boolean byArea) {
    boolean larger =
        byArea
            ? (long) width * height > (long) nativeSize * nativeSize
            : width > nativeSize || height > nativeSize;
    if (nativeSize <= 0 || !larger) {
      return null;
    }
    return "The model was trained at "
        + nativeSize
        + "x"
        + nativeSize
        + " pixels; at "
        + width
        + "x"
        + height
        + " it often repeats or fuses the subject.";
  }
}
