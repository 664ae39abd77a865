package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.random.NoiseSource;
import dev.stepwise.engine.random.SeedNoise;

/**
 * A batch of latents in NCHW order, flat in one float array.
 *
 * <p>The record does not copy {@code data}: whoever builds one hands the array over. Use {@link
 * #copy()} for a snapshot that later changes cannot reach.
 *
 * @param data {@code batch * channels * height * width} values, image-major // [B, C, H, W]
 */
public record Latents(float[] data, int batch, int channels, int height, int width) {

  /** Validates the shape against the data length. */
  public Latents {
    checkShape(batch, channels, height, width);
    long n = (long) batch * channels * height * width;
    if (data == null || n > Integer.MAX_VALUE || data.length != n) {
      throw new EngineException(
          "Latents of shape ["
              + batch
              + ", "
              + channels
              + ", "
              + height
              + ", "
              + width
              + "] need "
              + n
              + " values, got "
              + (data == null ? "none" : String.valueOf(data.length))
              + ".");
    }
  }

  private static void checkShape(int batch, int channels, int height, int width) {
    if (batch < 1 || channels < 1 || height < 1 || width < 1) {
      throw new EngineException(
          "Latent shape must be positive in every dimension, got ["
              + batch
              + ", "
              + channels
              + ", "
              + height
              + ", "
              + width
              + "].");
    }
  }

  /**
   * Returns one image's standard normal latents [1, C, H, W], the next {@code C * H * W} values of
   * {@code noise}. From a fresh {@code new SeedNoise(seed)} they are {@code torch.randn([1, C, H,
   * W], generator=torch.Generator().manual_seed(seed))} on an x86-64 CPU, bit for bit, and the same
   * source then continues with the image's step noise (see {@link SeedNoise}).
   */
  public static Latents initialNoise(NoiseSource noise, int channels, int height, int width) {
    checkShape(1, channels, height, width);
    int perImage = Math.multiplyExact(Math.multiplyExact(channels, height), width);
    return new Latents(noise.next(perImage), 1, channels, height, width); // [1, C, H, W]
  }

  /** Returns the number of values of one image, {@code C * H * W}. */
  public int perImage() {
    return channels * height * width;
  }

  /** Returns the total number of values. */
  public int size() {
    return data.length;
  }

  /**
   * Returns these latents 2x2 average-pooled: [B, C, h, w] -> [B, C, ceil(h/2), ceil(w/2)], an edge
   * cell averaging the pixels it has. Averaging latents approximates the latents of the half-size
   * image, which is what a preview decoded at half size needs.
   */
  public Latents pooled2x2() {
    int ph = (height + 1) / 2;
    int pw = (width + 1) / 2;
    float[] out = new float[batch * channels * ph * pw]; // [B, C, ph, pw]
    for (int bc = 0; bc < batch * channels; bc++) {
      int src = bc * height * width;
      int dst = bc * ph * pw;
      for (int y = 0; y < ph; y++) {
        for (int x = 0; x < pw; x++) {
          float sum = 0;
          int n = 0;
          for (int dy = 0; dy < 2 && 2 * y + dy < height; dy++) {
            for (int dx = 0; dx < 2 && 2 * x + dx < width; dx++) {
              sum += data[src + (2 * y + dy) * width + 2 * x + dx];
              n++;
            }
          }
          out[dst + y * pw + x] = sum / n;
        }
      }
    }
    return new Latents(out, batch, channels, ph, pw);
  }

  /** Returns a deep copy. */
  public Latents copy() {
    return new Latents(data.clone(), batch, channels, height, width);
  }

  /** Returns latents of the same shape holding {@code values} (not copied). */
  public Latents withData(float[] values) {
    return new Latents(values, batch, channels, height, width);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Latents l
        && batch == l.batch
        && channels == l.channels
        && height == l.height
        && width == l.width
        && java.util.Arrays.equals(data, l.data);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(data) * 31
        + java.util.Objects.hash(batch, channels, height, width);
  }

  @Override
  public String toString() {
    return "Latents[" + batch + ", " + channels + ", " + height + ", " + width + "]";
  }
}
