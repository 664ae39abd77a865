package dev.stepwise.engine.random;

import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Settings;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AUTOMATIC1111's variation seeds (modules/rng.py {@code slerp}, {@code ImageRNG.first}): the first
 * draw of an image's noise is slerp(strength, noise of seed, noise of variation seed), the second
 * noise drawn by a generator of its own; later draws (step noise) are the seed's own. At strength 0
 * nothing is mixed. The maths is done in double and rounded once to float (torch: float32).
 */
public final class VariationNoise implements NoiseSource {
  private final NoiseSource image;
  private final long variationSeed;
  private final double strength;
  private final int c;
  private final int h;
  private final int w;
  private boolean first = true;

  private VariationNoise(NoiseSource image, long variationSeed, double strength, int[] chw) {
    this.image = image;
    this.variationSeed = variationSeed;
    this.strength = strength;
    this.c = chw[0];
    this.h = chw[1];
    this.w = chw[2];
  }

  /**
   * Image {@code i}'s noise for {@code s}: {@code seeded} itself at strength 0, else a source whose
   * first draw of C*H*W values is the slerp.
   */
  public static NoiseSource of(NoiseSource seeded, Settings s, int i, int c, int h, int w) {
    return s.variationStrength() > 0
        ? new VariationNoise(
            seeded, s.variationSeedOf(i), s.variationStrength(), new int[] {c, h, w})
        : seeded;
  }

  /**
   * {@code run} plus, at a strength above 0, A1111's {@code Variation seed} (image i's) and {@code
   * Variation seed strength} (processing.py create_infotext writes them only then).
   */
  public static Map<String, String> parameters(Map<String, String> run, Settings s, int i) {
    if (!(s.variationStrength() > 0)) {
      return run;
    }
    Map<String, String> out = new LinkedHashMap<>(run);
    out.put("Variation seed", Long.toString(s.variationSeedOf(i)));
    double t = s.variationStrength();
    out.put(
        "Variation seed strength",
        t == 1 ? "1" : new BigDecimal(Double.toString(t)).stripTrailingZeros().toPlainString());
    return out;
  }

  @Override
  public float[] next(int n) {
    if (!first) {
      return image.next(n);
    }
    first = false;
    float[] out = slerp(strength, image.next(n), new SeedNoise(variationSeed).next(n), c, h, w);
    for (float v : out) {
      if (!Float.isFinite(v)) {
        throw new EngineException(
            "The variation noise is undefined for an image "
                + h
                + " latent pixels tall (A1111's slerp divides by zero there); make the image"
                + " taller or set the variation strength to 0.");
      }
    }
    return out;
  }

  /**
   * A1111's {@code slerp(t, low, high)} on one image's [C, H, W] noise: unit vectors along H for
   * each (c, w), {@code dot[c][w]} their product; if {@code mean(dot) > 0.9995} the lerp as written
   * upstream, {@code low t + high (1 - t)}; else {@code sin((1-t) om)/sin(om) low + sin(t
   * om)/sin(om) high} with {@code om = acos(dot[c][w])} broadcast over H.
   */
  public static float[] slerp(double t, float[] low, float[] high, int c, int h, int w) {
    int n = c * h * w;
    if (low.length != n || high.length != n) {
      throw new EngineException("Slerp needs two noises of " + n + " values.");
    }
    double[] dot = new double[c * w]; // [C, W]
    double sum = 0;
    for (int k = 0; k < c * w; k++) {
      int base = (k / w) * h * w + k % w; // [k / w, 0, k % w]
      double ll = 0;
      double hh = 0;
      double lh = 0;
      for (int y = 0; y < h; y++) {
        int j = base + y * w; // [C, y, W]
        ll += (double) low[j] * low[j];
        hh += (double) high[j] * high[j];
        lh += (double) low[j] * high[j];
      }
      dot[k] = lh / (Math.sqrt(ll) * Math.sqrt(hh)); // sum_h u_low u_high
      sum += dot[k];
    }
    float[] out = new float[n]; // [C, H, W]
    boolean linear = sum / (c * w) > 0.9995;
    for (int k = 0; k < c * w; k++) {
      int base = (k / w) * h * w + k % w;
      double om = Math.acos(dot[k]);
      double a = linear ? t : Math.sin((1 - t) * om) / Math.sin(om);
      double b = linear ? 1 - t : Math.sin(t * om) / Math.sin(om);
      for (int y = 0; y < h; y++) {
        int j = base + y * w;
        out[j] = (float) (a * low[j] + b * high[j]);
      }
    }
    return out;
  }
}
