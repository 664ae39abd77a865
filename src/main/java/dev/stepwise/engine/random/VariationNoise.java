package dev.stepwise.engine.random;

import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Settings;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AUTOMATIC1111's variation seeds: an image's initial noise moved part of the way towards the noise
 * of a second seed, noise = slerp(strength, noise of seed, noise of variation seed).
 *
 * <p>What is reproduced, from AUTOMATIC1111 modules/rng.py ({@code slerp}, {@code ImageRNG.first})
 * and modules/processing.py ({@code process_images_inner}, {@code create_infotext}):
 *
 * <ul>
 *   <li>The variation noise is the first draw of a generator of its own seeded with the variation
 *       seed; the image's own generator draws its initial noise as without variation and then, as
 *       always, its step noise. At strength 0 nothing is drawn or mixed, so the image is exactly
 *       the plain seed's.
 *   <li>The slerp runs on one image's [C, H, W] noise with A1111's axes: unit vectors along dim 1
 *       (H), one angle omega = acos(dot) per (channel, column), broadcast back over H. When the
 *       mean of those dot products is above 0.9995 it falls back to a lerp written as {@code low *
 *       t + high * (1 - t)}, with the weights the other way round from the slerp's, as upstream.
 *   <li>In a batch with a strength above 0, every image keeps the first image's seed and image
 *       {@code i} uses variation seed {@code variationSeed + i} ({@link Settings#seedOf}, {@link
 *       Settings#variationSeedOf}).
 *   <li>The recipe records {@code Variation seed} and {@code Variation seed strength} only when the
 *       strength is above 0.
 * </ul>
 *
 * <p>The mixing is computed in double and rounded once to float; torch computes in float32, so the
 * two differ by a few units in the last place (the test compares with torch within 2e-6).
 */
public final class VariationNoise implements NoiseSource {
  /** A1111's key for image i's variation seed. */
  public static final String SEED_KEY = "Variation seed";

  /** A1111's key for the strength. */
  public static final String STRENGTH_KEY = "Variation seed strength";

  /** Above this mean dot product A1111's slerp falls back to its lerp. */
  static final double LINEAR_ABOVE = 0.9995;

  private final NoiseSource image;
  private final long variationSeed;
  private final double strength;
  private final int channels;
  private final int height;
  private final int width;
  private boolean first = true;

  private VariationNoise(
      NoiseSource image, long variationSeed, double strength, int c, int h, int w) {
    this.image = image;
    this.variationSeed = variationSeed;
    this.strength = strength;
    this.channels = c;
    this.height = h;
    this.width = w;
  }

  /**
   * The noise of image {@code i} of a request with settings {@code s}: {@code seeded} itself when
   * the variation strength is 0, else a source whose first draw of {@code c * h * w} values is the
   * slerp and whose later draws are {@code seeded}'s own (the step noise stays the seed's).
   *
   * @param seeded the image's own generator, seeded with {@code s.seedOf(i)}
   * @param c latent channels
   * @param h latent height
   * @param w latent width
   */
  public static NoiseSource of(NoiseSource seeded, Settings s, int i, int c, int h, int w) {
    if (!(s.variationStrength() > 0)) {
      return seeded;
    }
    return new VariationNoise(seeded, s.variationSeedOf(i), s.variationStrength(), c, h, w);
  }

  /**
   * The run's parameters for image {@code i}: {@code runParameters} plus, when the strength is
   * above 0, {@code Variation seed} (image i's) and {@code Variation seed strength}, as A1111
   * writes them.
   */
  public static Map<String, String> parameters(
      Map<String, String> runParameters, Settings s, int i) {
    if (!(s.variationStrength() > 0)) {
      return runParameters;
    }
    Map<String, String> out = new LinkedHashMap<>(runParameters);
    out.put(SEED_KEY, Long.toString(s.variationSeedOf(i)));
    out.put(STRENGTH_KEY, number(s.variationStrength()));
    return out;
  }

  /** A strength as A1111's text shows it: {@code 0.1}, {@code 0.05}, and {@code 1} when whole. */
  static String number(double v) {
    return v == Math.rint(v)
        ? Long.toString((long) v)
        : new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  @Override
  public float[] next(int n) {
    if (!first) {
      return image.next(n);
    }
    first = false;
    int per = channels * height * width;
    if (n != per) {
      throw new EngineException(
          "The variation noise is drawn for one image of "
              + per
              + " values, but "
              + n
              + " were asked for.");
    }
    float[] low = image.next(n); // [C, H, W] the seed's noise
    float[] high = new SeedNoise(variationSeed).next(n); // [C, H, W] the variation seed's
    float[] out = slerp(strength, low, high, channels, height, width); // [C, H, W]
    for (float v : out) {
      if (!Float.isFinite(v)) {
        throw new EngineException(
            "The variation noise is undefined for an image "
                + height
                + " latent pixels tall (A1111's slerp divides by zero there); make the image"
                + " taller or set the variation strength to 0.");
      }
    }
    return out;
  }

  /**
   * A1111's {@code slerp(t, low, high)} on one image's [C, H, W] noise (modules/rng.py): with
   * {@code u = x / |x|} taken along H for each (c, w), {@code dot[c][w] = sum_h u_low u_high}; when
   * {@code mean(dot) > 0.9995} the result is {@code low * t + high * (1 - t)}, else {@code
   * sin((1-t) omega)/sin(omega) low + sin(t omega)/sin(omega) high} with {@code omega =
   * acos(dot[c][w])}.
   *
   * @param t the strength, 0 to 1
   * @param low the seed's noise, [C, H, W]
   * @param high the variation seed's noise, [C, H, W]
   */
  public static float[] slerp(double t, float[] low, float[] high, int c, int h, int w) {
    int n = c * h * w;
    if (low.length != n || high.length != n) {
      throw new EngineException(
          "Slerp needs two noises of " + n + " values, got " + low.length + " and " + high.length);
    }
    double[] dot = new double[c * w]; // [C, W]
    double sum = 0;
    for (int ch = 0; ch < c; ch++) {
      for (int x = 0; x < w; x++) {
        double ll = 0;
        double hh = 0;
        for (int y = 0; y < h; y++) {
          int k = (ch * h + y) * w + x; // [ch, y, x]
          ll += (double) low[k] * low[k];
          hh += (double) high[k] * high[k];
        }
        double nl = Math.sqrt(ll); // |low[ch, :, x]|
        double nh = Math.sqrt(hh);
        double d = 0;
        for (int y = 0; y < h; y++) {
          int k = (ch * h + y) * w + x;
          d += (low[k] / nl) * (high[k] / nh);
        }
        dot[ch * w + x] = d;
        sum += d;
      }
    }
    float[] out = new float[n]; // [C, H, W]
    if (sum / (c * w) > LINEAR_ABOVE) {
      for (int k = 0; k < n; k++) {
        out[k] = (float) (low[k] * t + high[k] * (1 - t)); // upstream's weights, as written
      }
      return out;
    }
    for (int ch = 0; ch < c; ch++) {
      for (int x = 0; x < w; x++) {
        double omega = Math.acos(dot[ch * w + x]);
        double so = Math.sin(omega);
        double a = Math.sin((1 - t) * omega) / so;
        double b = Math.sin(t * omega) / so;
        for (int y = 0; y < h; y++) {
          int k = (ch * h + y) * w + x;
          out[k] = (float) (a * low[k] + b * high[k]);
        }
      }
    }
    return out;
  }
}
