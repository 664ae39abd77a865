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
    if (nativeSize <= 0 || (width <= nativeSize && height <= nativeSize)) {
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
