package dev.stepwise.engine.random;

import dev.stepwise.engine.EngineException;

/**
 * Seeded noise for a batch: image {@code i} owns a torch-compatible generator seeded with {@code
 * seed + i}, which first gives its initial latent noise and then, continuing, its step noise.
 *
 * <p>This is what diffusers does when a pipeline gets one CPU generator per image, {@code
 * generator=[torch.Generator().manual_seed(seed + i) for i in range(batch)]}: {@code randn_tensor}
 * draws each image's {@code [1, C, H, W]} slice from its own generator, for the initial latents and
 * again for every ancestral step. AUTOMATIC1111 likewise gives image {@code i} the seed {@code seed
 * + i}. So image {@code i} of a batch equals a batch of one run with seed {@code seed + i}. {@code
 * seed + i} wraps around in 64 bits; torch only uses the low 32 bits of a seed anyway.
 */
public final class SeedNoise {
  private SeedNoise() {}

  /**
   * Returns the initial noise of {@code batch} images of {@code perImage} values each, image {@code
   * i} being {@code torch.randn(perImage, generator=manual_seed(seed + i))}.
   */
  public static float[] initialNoise(long seed, int batch, int perImage) {
    checkShape(batch, perImage);
    float[] out = new float[Math.multiplyExact(batch, perImage)]; // [B, perImage]
    for (int i = 0; i < batch; i++) {
      float[] image = new TorchCpuGenerator(seed + i).randn(perImage); // [perImage]
      System.arraycopy(image, 0, out, i * perImage, perImage);
    }
    return out;
  }

  /**
   * Returns the step-noise stream that continues each image's generator right after its initial
   * draw of {@code perImage} values; every {@code next(n)} needs {@code n = batch * perImage} and
   * takes {@code perImage} values from each image's generator in turn.
   */
  public static NoiseSource stepNoise(long seed, int batch, int perImage) {
    checkShape(batch, perImage);
    TorchCpuGenerator[] generators = new TorchCpuGenerator[batch];
    for (int i = 0; i < batch; i++) {
      generators[i] = new TorchCpuGenerator(seed + i);
      generators[i].randn(perImage); // skip the initial noise, already used by initialNoise
    }
    int total = Math.multiplyExact(batch, perImage);
    return n -> {
      if (n != total) {
        throw new EngineException(
            "Step noise for this batch comes in blocks of "
                + total
                + " values ("
                + batch
                + " images of "
                + perImage
                + "), got a request for "
                + n
                + ".");
      }
      float[] out = new float[total]; // [B, perImage]
      for (int i = 0; i < batch; i++) {
        System.arraycopy(generators[i].randn(perImage), 0, out, i * perImage, perImage);
      }
      return out;
    };
  }

  private static void checkShape(int batch, int perImage) {
    if (batch < 1) {
      throw new EngineException("The batch size must be at least 1, got " + batch + ".");
    }
    if (perImage < 1) {
      throw new EngineException(
          "The number of noise values per image must be at least 1, got " + perImage + ".");
    }
  }
}
