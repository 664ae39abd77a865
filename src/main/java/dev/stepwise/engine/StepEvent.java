package dev.stepwise.engine;

import dev.stepwise.engine.sampling.Latents;
import java.time.Duration;

/**
 * One finished sampler step of one image. Latents are scaled VP latents ([1, C, h, w]), the same
 * units for every sampler; the listener must not modify them.
 *
 * @param imageIndex image within the batch, 0-based
 * @param step step index within the image, 0-based
 * @param totalSteps steps per image
 * @param timestep the network's timestep at this step (fractional for Euler-type samplers)
 * @param elapsed time since the job started
 * @param eta estimated time left for the whole job
 * @param noisyLatent x_t after this step
 * @param predictedImage the predicted clean latent x0
 * @param predictedNoise the predicted noise epsilon
 * @param preview an RGB preview of the tensor the request asked for, or {@code null} when none
 *     was made at this step
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
    RgbImage preview) {

  /** Overall progress of the job in [0, 1] given the batch size. */
  public double progress(int batch) {
    return (imageIndex * (double) totalSteps + step + 1) / ((double) batch * totalSteps);
  }
}
