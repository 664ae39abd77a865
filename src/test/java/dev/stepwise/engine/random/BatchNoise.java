package dev.stepwise.engine.random;

import dev.stepwise.engine.EngineException;

/**
 * Test-only noise for a batch drawn in one piece: image {@code i} owns a {@link SeedNoise} with
 * seed {@code seed + i}, and every {@code next(n)} takes {@code n / batch} values from each image's
 * generator in turn, [B, perImage]. The first call gives the initial latents, later calls the step
 * noise.
 *
 * <p>This is what diffusers does when a pipeline gets one CPU generator per image, {@code
 * generator=[torch.Generator().manual_seed(seed + i) for i in range(batch)]}: {@code randn_tensor}
 * draws each image's {@code [1, C, H, W]} slice from its own generator, for the initial latents and
 * again for every ancestral step. The engine itself runs one image at a time, each with its own
 * {@link SeedNoise}; the tests use this to compare batched samplers with diffusers' batches.
 */
public final class BatchNoise implements NoiseSource {
  private final SeedNoise[] images;
  private final int perImage;

  /** Creates the noise of {@code batch} images of {@code perImage} values each. */
  public BatchNoise(long seed, int batch, int perImage) {
    if (batch < 1) {
      throw new EngineException("The batch size must be at least 1, got " + batch + ".");
    }
    if (perImage < 1) {
      throw new EngineException(
          "The number of noise values per image must be at least 1, got " + perImage + ".");
    }
    this.images = new SeedNoise[batch];
    for (int i = 0; i < batch; i++) {
      images[i] = new SeedNoise(seed + i);
    }
    this.perImage = perImage;
  }

  /** Returns the next block of {@code n = batch * perImage} values, image-major. */
  @Override
  public float[] next(int n) {
    int total = Math.multiplyExact(images.length, perImage);
    if (n != total) {
      throw new EngineException(
          "Step noise for this batch comes in blocks of "
              + total
              + " values ("
              + images.length
              + " images of "
              + perImage
              + "), got a request for "
              + n
              + ".");
    }
    float[] out = new float[total]; // [B, perImage]
    for (int i = 0; i < images.length; i++) {
      System.arraycopy(images[i].next(perImage), 0, out, i * perImage, perImage);
    }
    return out;
  }
}
