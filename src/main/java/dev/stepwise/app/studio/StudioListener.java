package dev.stepwise.app.studio;

import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.SchedulerConfig;
import java.nio.file.Path;

/**
 * Hooks for views that follow a run (the step timeline, the explain view, the gallery). Every
 * method is called on the UI thread, in the order the engine produced the events, and no step is
 * skipped, even when the canvas drew only the latest of several.
 */
public interface StudioListener {
  /**
   * A job left the queue and its model is loaded.
   *
   * @param packDir the model pack folder
   * @param scheduler the pack's scheduler configuration, or null if it could not be read
   * @param request the job's request (sampler, Karras, steps, seed, batch)
   */
  default void jobStarted(Path packDir, SchedulerConfig scheduler, GenerationRequest request) {}

  /**
   * A job left the queue and its model is loaded, with the loaded model's description (name, hash,
   * device), which recipes saved with the images need. The default calls the three-argument form,
   * so a listener overrides whichever it needs.
   */
  default void jobStarted(
      Path packDir, SchedulerConfig scheduler, GenerationRequest request, ModelInfo model) {
    jobStarted(packDir, scheduler, request);
  }

  /** Image {@code imageIndex} of the batch starts; {@code totalSteps} previews follow. */
  default void imageStarted(int imageIndex, long seed, int totalSteps) {}

  /**
   * The picture after step {@code step} (0-based) of image {@code imageIndex}: the frame of the
   * source the canvas shows (x0 unless the user switched), decoded at the output size with the
   * run's preview method; at the last step of an image (x0 or x_t) it is the finished image. Null
   * when previews are off.
   */
  default void stepPreview(int imageIndex, int step, RgbImage frame) {}

  /** One image of the batch is done (full decode: the image saved in the library). */
  default void imageFinished(GenerationRequest request, GeneratedImage image) {}
}
