package dev.stepwise.engine.random;

import dev.stepwise.engine.EngineException;

/**
 * The seeded noise of one image: one torch-compatible generator seeded with the image's seed, whose
 * first draw is the image's initial latent noise and whose later draws, continuing the same
 * generator, are its step noise.
 *
 * <p>This is what diffusers does with a CPU generator, {@code
 * generator=torch.Generator().manual_seed(seed)}: {@code randn_tensor} draws the initial latents
 * and then every ancestral step's noise from that one generator. So the first {@code next(n)}
 * equals {@code torch.randn(n, generator=manual_seed(seed))} and each later call continues that
 * stream. Image {@code i} of a batch gets its own {@code SeedNoise} with seed {@code seed + i}
 * ({@code GenerationRequest.seedOf}).
 */
public final class SeedNoise implements NoiseSource {
  private final TorchCpuGenerator generator;

  /** Creates the noise of an image with this seed; torch uses only the low 32 bits of a seed. */
  public SeedNoise(long seed) {
    this.generator = new TorchCpuGenerator(seed);
  }

  /** Returns the next {@code n} standard normal values of this image's generator. */
  @Override
  public float[] next(int n) {
    if (n < 1) {
      throw new EngineException(
          "The number of noise values per image must be at least 1, got " + n + ".");
    }
    return generator.randn(n); // [n]
  }
}
