package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Spatial resampling helpers: nearest-neighbour upsampling and asymmetric zero padding. */
public final class Resample {
  private Resample() {}

  /** Nearest-neighbour 2x upsampling, {@code [B, C, H, W] -> [B, C, 2H, 2W]}. */
  public static NDArray nearest2x(NDArray x) {
    Shape s = x.getShape();
    return nearest(x, s.get(2) * 2, s.get(3) * 2); // [B, C, 2H, 2W]
  }

  /**
   * Nearest-neighbour resize to an explicit size (torch F.interpolate mode "nearest": source index
   * floor(dst * in / out)), used when an odd latent size makes 2x overshoot the skip connection
   * (diffusers unet_2d_condition.py forward_upsample_size).
   */
  public static NDArray nearest(NDArray x, long height, long width) {
    return x.getNDArrayInternal().interpolation(new long[] {height, width}, 0, false);
    // [B, C, height, width]
  }

  /** Pads one zero row at the bottom and one zero column at the right (F.pad(x, (0,1,0,1))). */
  public static NDArray padRightBottom(NDArray x) {
    return x.pad(new Shape(0, 1, 0, 1), 0); // [B, C, H+1, W+1]
  }
}
