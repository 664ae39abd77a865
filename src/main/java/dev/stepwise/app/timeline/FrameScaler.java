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
      throw new IllegalArgumentException(
          "The target size must be positive, got " + width + "x" + height + ".");
    }
    return smooth ? image.scaledSmooth(width, height) : image.scaledNearest(width, height);
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
