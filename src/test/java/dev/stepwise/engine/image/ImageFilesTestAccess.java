package dev.stepwise.engine.image;

/** {@link ImageFilesTest}'s crafted files for tests in other packages. */
public final class ImageFilesTestAccess {
  private ImageFilesTestAccess() {}

  /** A PNG that is only a header claiming w x h, and an end. */
  public static byte[] lyingPng(int w, int h) throws Exception {
    return ImageFilesTest.lyingPng(w, h);
  }
}
