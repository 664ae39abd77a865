package dev.stepwise.engine;

import dev.stepwise.engine.sampling.Latents;
import java.time.Duration;

/**
 * One finished sampler step of one image. Latents are scaled latents ([1, C, h, w]) in
 * variance-preserving units for every sampler: x_t = sqrt(abar) x0 + sqrt(1 - abar) eps, so Euler's
 * x0 + sigma eps arrives divided by sqrt(sigma^2 + 1) (diffusers' scale_model_input). The listener
 * must not modify them.
 *
 * @param imageIndex image within the batch, 0-based
 * @param step step index within the image, 0-based
 * @param totalSteps steps per image
 * @param timestep the network's timestep at this step (fractional for Euler-type samplers)
 * @param elapsed time since the job started
 * @param eta estimated time left for the whole job
 * @param noisyLatent x_t after this step, variance-preserving
 * @param predictedImage the predicted clean latent x0
 * @param predictedNoise the predicted noise epsilon
 * @param frames the step's pictures at the output size, or {@code null} when previews are off
 */
public record StepEvent(
    int imageIndex,
    int step,
    int totalSteps,
    double timestep,
    Duration elapsed,
    Duration eta,
    Latents noisyLatent,
    Latents predictedImage,
    Latents predictedNoise,
    StepFrames frames) {

  /** The watched source's frame at the output size, or {@code null} when previews are off. */
  public RgbImage preview() {
    return frames == null ? null : frames.watchedFrame();
  }

  /** Overall progress of the job in [0, 1] given the batch size. */
  public double progress(int batch) {
    return (imageIndex * (double) totalSteps + step + 1) / ((double) batch * totalSteps);
  }
}
