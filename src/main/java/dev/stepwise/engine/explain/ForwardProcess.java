package dev.stepwise.engine.explain;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.random.SeedNoise;

/**
 * The diffusion forward process in closed form: {@code x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t)
 * eps}, eps ~ N(0, I) (Ho et al. 2020, eq. 4 and the reparametrisation used in Algorithm 1).
 *
 * <p>Works on flat float arrays so the same code noises pixels (CHW in [-1, 1], the range the
 * autoencoder and the paper's figures use) and scaled latents (the sampler's units). Pure Java,
 * thread-safe, no state.
 */
public final class ForwardProcess {
  private ForwardProcess() {}

  /**
   * Returns {@code sqrt(abar) x0 + sqrt(1 - abar) eps} element-wise.
   *
   * @param x0 the clean signal // [N]
   * @param eps standard normal noise of the same length // [N]
   * @param alphaBar {@code abar_t} in [0, 1]
   * @throws EngineException when the lengths differ or alphaBar is outside [0, 1]
   */
  public static float[] noised(float[] x0, float[] eps, double alphaBar) {
    if (x0 == null || eps == null || x0.length != eps.length) {
      throw new EngineException(
          "The clean signal and the noise must have the same length, got "
              + (x0 == null ? "none" : x0.length)
              + " and "
              + (eps == null ? "none" : eps.length)
              + ".");
    }
    if (!(alphaBar >= 0 && alphaBar <= 1)) {
      throw new EngineException("alpha-bar must be between 0 and 1, got " + alphaBar + ".");
    }
    double a = Math.sqrt(alphaBar);
    double b = Math.sqrt(1.0 - alphaBar);
    float[] out = new float[x0.length]; // [N]
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (a * x0[i] + b * eps[i]);
    }
    return out;
  }

  /**
   * Returns {@code n} standard normal values fixed by {@code seed}: {@code torch.randn(n,
   * generator=torch.Generator().manual_seed(seed))}, the engine's own generator ({@link
   * SeedNoise}).
   */
  public static float[] noise(long seed, int n) {
    if (n < 1) {
      throw new EngineException("The noise needs at least one value, got " + n + ".");
    }
    return new SeedNoise(seed).next(n); // [n]
  }

  /**
   * Converts an image to planar floats in [-1, 1]: {@code 2 * v / 255 - 1} per channel, CHW (the
   * input convention of diffusers' VaeImageProcessor.preprocess).
   */
  public static float[] toSigned(RgbImage image) {
    int w = image.width();
    int h = image.height();
    int plane = w * h;
    byte[] rgb = image.rgb();
    float[] out = new float[3 * plane]; // [3, H, W]
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        out[c * plane + p] = (rgb[p * 3 + c] & 0xff) / 127.5f - 1f;
      }
    }
    return out;
  }

  /**
   * Converts planar floats in [-1, 1] back to 8-bit RGB: {@code round(clamp(x / 2 + 0.5, 0, 1) *
   * 255)}, as diffusers' postprocess does.
   *
   * @param chw planar values // [3, H, W]
   */
  public static RgbImage fromSigned(float[] chw, int width, int height) {
    int plane = width * height;
    if (chw.length != 3 * plane) {
      throw new EngineException(
          "An image of "
              + width
              + "x"
              + height
              + " needs "
              + 3 * plane
              + " values, got "
              + chw.length
              + ".");
    }
    byte[] rgb = new byte[3 * plane];
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        rgb[p * 3 + c] = toByte(chw[c * plane + p] * 0.5f + 0.5f);
      }
    }
    return new RgbImage(width, height, rgb);
  }

  /**
   * Converts planar floats in [0, 1] (the autoencoder's decoded output) to 8-bit RGB.
   *
   * @param chw planar values // [3, H, W]
   */
  public static RgbImage fromUnit(float[] chw, int offset, int width, int height) {
    int plane = width * height;
    byte[] rgb = new byte[3 * plane];
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        rgb[p * 3 + c] = toByte(chw[offset + c * plane + p]);
      }
    }
    return new RgbImage(width, height, rgb);
  }

  private static byte toByte(float unit) {
    float u = unit < 0 ? 0 : (unit > 1 ? 1 : unit);
    return (byte) Math.round(u * 255f);
  }

  /**
   * Returns {@code fromSigned(noised(x0, eps, alphaBar), width, height)} in one pass without the
   * intermediate arrays (the explorer's slider path); {@link ForwardProcessTest} checks it against
   * that two-step form.
   *
   * @param x0 planar clean image in [-1, 1] // [3, H, W]
   * @param eps planar standard normal noise // [3, H, W]
   */
  public static RgbImage noisedRgb(
      float[] x0, float[] eps, double alphaBar, int width, int height) {
    int plane = width * height;
    if (x0.length != 3 * plane || eps.length != x0.length) {
      throw new EngineException(
          "An image of "
              + width
              + "x"
              + height
              + " needs "
              + 3 * plane
              + " values and as much"
              + " noise, got "
              + x0.length
              + " and "
              + eps.length
              + ".");
    }
    if (!(alphaBar >= 0 && alphaBar <= 1)) {
      throw new EngineException("alpha-bar must be between 0 and 1, got " + alphaBar + ".");
    }
    // x/2 + 0.5 folded into the weights: u = (a/2) x0 + (b/2) eps + 0.5
    float a = (float) (Math.sqrt(alphaBar) * 0.5);
    float b = (float) (Math.sqrt(1.0 - alphaBar) * 0.5);
    byte[] rgb = new byte[3 * plane];
    for (int c = 0; c < 3; c++) {
      int base = c * plane;
      for (int p = 0; p < plane; p++) {
        float u = a * x0[base + p] + b * eps[base + p] + 0.5f;
        u = u < 0 ? 0 : (u > 1 ? 1 : u);
        rgb[p * 3 + c] = (byte) (int) (u * 255f + 0.5f);
      }
    }
    return new RgbImage(width, height, rgb);
  }

  /**
   * Noises an image in pixel space, as in Ho et al.'s figures: the image is mapped to [-1, 1],
   * noised with {@link #noised} and mapped back (values outside [-1, 1] are clipped for display).
   */
  public static RgbImage noisedImage(RgbImage image, double alphaBar, long seed) {
    float[] x0 = toSigned(image); // [3, H, W]
    float[] eps = noise(seed, x0.length); // [3, H, W]
    return fromSigned(noised(x0, eps, alphaBar), image.width(), image.height());
  }
}
