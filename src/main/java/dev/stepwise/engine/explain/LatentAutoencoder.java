package dev.stepwise.engine.explain;

import dev.stepwise.engine.Devices;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.NoiseSchedule;
import java.nio.file.Path;

/**
 * A model pack's autoencoder seen through RGB images and latents only, so front ends can explore
 * latent space without touching tensors.
 *
 * <p>Encoding takes the posterior mean scaled by scaling_factor and decoding divides by it ({@link
 * DiffusionModel#encodeToLatents}, {@link DiffusionModel#decodeToPixels}), so latents are in the
 * sampler's units, where the forward process {@code sqrt(abar) z0 + sqrt(1 - abar) eps} applies as
 * the model was trained (Rombach et al. 2022, section 3.3). Not thread-safe: one thread owns it.
 */
public final class LatentAutoencoder implements AutoCloseable {
  private final DiffusionModel model;

  private LatentAutoencoder(DiffusionModel model) {
    this.model = model;
  }

  /** Loads the pack in {@code packDir} on the best device (see {@link Devices#best()}). */
  public static LatentAutoencoder open(Path packDir) {
    if (packDir == null) {
      throw new EngineException("No model folder was given; choose a model pack folder.");
    }
    return new LatentAutoencoder(DiffusionModel.load(packDir, Devices.best()));
  }

  /** Returns the autoencoder's downscale factor f (8 for Stable Diffusion). */
  public int factor() {
    return model.vaeConfig().downscale();
  }

  /** Returns the image side the UNet was trained for, {@code sample_size * f}. */
  public int imageSize() {
    return model.unetConfig().sampleSize() * factor();
  }

  /** Returns the pack's training noise schedule. */
  public NoiseSchedule schedule() {
    return model.schedule();
  }

  /** Returns the pack's name. */
  public String name() {
    return model.info().name();
  }

  /**
   * Encodes an image whose sides are multiples of {@link #factor()} to scaled latents [1, C, H/f,
   * W/f].
   */
  public Latents encode(RgbImage image) {
    int f = factor();
    if (image.width() % f != 0 || image.height() % f != 0) {
      throw new EngineException(
          "The image is "
              + image.width()
              + "x"
              + image.height()
              + "; the autoencoder needs sides that are multiples of "
              + f
              + ".");
    }
    float[] x = ForwardProcess.toSigned(image); // [1, 3, H, W]
    float[] z = model.encodeToLatents(x, 1, image.height(), image.width()); // [1, C, h, w]
    return new Latents(z, 1, model.latentChannels(), image.height() / f, image.width() / f);
  }

  /** Decodes scaled latents [1, C, h, w] to an RGB image of (h f) x (w f). */
  public RgbImage decode(Latents latents) {
    int f = factor();
    float[] x = // [1, 3, h f, w f] in [0, 1]
        model.decodeToPixels(latents.data(), 1, latents.height(), latents.width());
    return ForwardProcess.fromUnit(x, 0, latents.width() * f, latents.height() * f);
  }

  /**
   * Shows scaled latents as colours at latent resolution through the pack's linear latent-to-RGB
   * projection (the live preview's projection).
   */
  public RgbImage visualise(Latents latents) {
    return model.preview().project(latents, 0);
  }

  @Override
  public void close() {
    model.close();
  }
}
