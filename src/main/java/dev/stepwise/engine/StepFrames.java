package dev.stepwise.engine;

import dev.stepwise.engine.preview.LatentRgbProjection;
import dev.stepwise.engine.sampling.Latents;

/**
 * The pictures of one sampler step, every one at the output size and ready to draw: the tensor the
 * front end watches, rendered with the run's preview method, and the other two (predicted image x0,
 * noisy latent x_t, predicted noise eps) made on first request with the cheap projection, upscaled
 * smoothly, so switching what is shown never waits for a decode.
 *
 * <p>At the last step of an image the watched x0 or x_t frame is the finished image itself, so a
 * timeline or a frame folder ends on exactly the saved picture. Thread-safe; the images are
 * immutable and shared.
 */
public final class StepFrames {
  private final PreviewSource watched;
  private final RgbImage watchedFrame;
  private final PreviewMethod madeBy;
  private final boolean finalImage;
  private final double costPercent;
  private final Latents[] latents; // by PreviewSource ordinal, each [1, C, h, w]
  private final LatentRgbProjection projection;
  private final int width;
  private final int height;
  private final RgbImage[] cheap = new RgbImage[PreviewSource.values().length];

  /**
   * @param watched the source rendered with the run's method
   * @param watchedFrame its frame at {@code width x height}
   * @param madeBy what made it: TINY, FULL or CHEAP (FULL for the finished image)
   * @param finalImage whether {@code watchedFrame} is the finished image
   * @param costPercent the job's mean preview time per step as a percentage of its mean step time
   * @param predictedImage x0 [1, C, h, w]; noisyLatent x_t (variance-preserving); predictedNoise
   *     eps
   */
  public StepFrames(
      PreviewSource watched,
      RgbImage watchedFrame,
      PreviewMethod madeBy,
      boolean finalImage,
      double costPercent,
      Latents predictedImage,
      Latents noisyLatent,
      Latents predictedNoise,
      LatentRgbProjection projection,
      int width,
      int height) {
    if (watchedFrame.width() != width || watchedFrame.height() != height) {
      throw new IllegalArgumentException(
          "A step frame must be "
              + width
              + "x"
              + height
              + ", got "
              + watchedFrame.width()
              + "x"
              + watchedFrame.height()
              + ".");
    }
    this.watched = watched;
    this.watchedFrame = watchedFrame;
    this.madeBy = madeBy;
    this.finalImage = finalImage;
    this.costPercent = costPercent;
    this.latents = new Latents[] {predictedImage, noisyLatent, predictedNoise};
    this.projection = projection;
    this.width = width;
    this.height = height;
  }

  /** The source the run renders with its preview method. */
  public PreviewSource watched() {
    return watched;
  }

  /** The watched source's frame. */
  public RgbImage watchedFrame() {
    return watchedFrame;
  }

  /** What made the watched frame: {@link PreviewMethod#TINY}, FULL or CHEAP. */
  public PreviewMethod madeBy() {
    return madeBy;
  }

  /** Whether the watched frame is the finished image (the last step of an image). */
  public boolean isFinalImage() {
    return finalImage;
  }

  /** The job's preview cost per step so far, as a percentage of a step (warm-up left out). */
  public double costPercent() {
    return costPercent;
  }

  /** Frame width in pixels (the output width). */
  public int width() {
    return width;
  }

  /** Frame height in pixels (the output height). */
  public int height() {
    return height;
  }

  /**
   * The frame of {@code source}: the watched frame, or the cheap projection of that tensor,
   * upscaled smoothly (made once, on first request).
   */
  public RgbImage of(PreviewSource source) {
    if (source == watched) {
      return watchedFrame;
    }
    synchronized (cheap) {
      int i = source.ordinal();
      if (cheap[i] == null) {
        cheap[i] = projection.project(latents[i], 0).scaledSmooth(width, height);
      }
      return cheap[i];
    }
  }
}
