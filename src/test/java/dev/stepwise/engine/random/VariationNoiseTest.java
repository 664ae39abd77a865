package dev.stepwise.engine.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link VariationNoise} against A1111's slerp computed by torch 1.13 (variation_reference.json,
 * written by make_variation_reference.py next to it), plus its closed forms.
 */
class VariationNoiseTest {
  private static final int C = 4;
  private static final int H = 3;
  private static final int W = 5;
  private static final int N = C * H * W;

  private static Settings varied(long seed, long vSeed, double strength) {
    return new Settings("p", "", Sampler.DDIM, false, 0, 20, 5, seed, 0, 0, 1, vSeed, strength);
  }

  @Test
  void matchesTorchWithinFloatRounding() throws Exception {
    JsonObject ref;
    try (InputStream in = getClass().getResourceAsStream("variation_reference.json")) {
      ref =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonObject();
    }
    assertEquals("[4,3,5]", ref.get("shape").toString());
    int checked = 0;
    for (JsonElement e : ref.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      long seed = new BigInteger(c.get("seed").getAsString()).longValue();
      long vSeed = new BigInteger(c.get("variation_seed").getAsString()).longValue();
      double t = c.get("strength").getAsDouble();
      NoiseSource noise =
          VariationNoise.of(new SeedNoise(seed), varied(seed, vSeed, t), 0, C, H, W);
      float[] got = noise.next(N); // [C, H, W]
      JsonArray want = c.getAsJsonArray("out");
      assertEquals(N, want.size());
      double worst = 0;
      for (int k = 0; k < N; k++) {
        worst = Math.max(worst, Math.abs(got[k] - want.get(k).getAsDouble()));
      }
      assertTrue(worst <= 2e-6, "seed " + seed + "/" + vSeed + " at " + t + ": off by " + worst);
      checked++;
    }
    assertEquals(5, checked);
  }

  @Test
  void strengthOneGivesTheVariationSeedsNoiseExactly() {
    // sin(0 omega)/sin(omega) low + sin(omega)/sin(omega) high = high
    float[] got = VariationNoise.of(new SeedNoise(42), varied(42, 7, 1), 0, C, H, W).next(N);
    assertArrayEquals(new SeedNoise(7).next(N), got);
  }

  @Test
  void strengthZeroDrawsNothingElseSoTheImageIsThePlainSeeds() {
    SeedNoise plain = new SeedNoise(9);
    assertSame(plain, VariationNoise.of(plain, varied(9, 1234, 0), 0, C, H, W));
    assertEquals(
        Map.of("VAE", "x.safetensors"),
        VariationNoise.parameters(Map.of("VAE", "x.safetensors"), varied(9, 1234, 0), 0));
  }

  @Test
  void theSameSeedTwiceTakesA1111sLerpWithItsWeightsAsWritten() {
    float[] low = new SeedNoise(5).next(N);
    float[] got = VariationNoise.slerp(0.3, low, low.clone(), C, H, W);
    for (int k = 0; k < N; k++) {
      assertEquals((float) (low[k] * 0.3 + low[k] * 0.7), got[k]); // low * t + high * (1 - t)
    }
    float[] high = new float[N];
    for (int k = 0; k < N; k++) { // dot products all 1 but high != low: the weights show
      high[k] = 2 * low[k];
    }
    float[] lerp = VariationNoise.slerp(0.25, low, high, C, H, W);
    assertEquals((float) (low[0] * 0.25 + high[0] * 0.75), lerp[0]);
  }

  @Test
  void theAngleIsTakenAlongHeightPerChannelAndColumn() {
    // Columns where high is a rotation of low by a known angle in the (y0, y1) plane: the slerp at
    // t is then the rotation by t times that angle, whatever the other columns hold.
    int c = 1;
    int h = 2;
    int w = 2;
    double angle0 = 0.8;
    double angle1 = 1.9;
    float[] low = {1, 1, 0, 0}; // [1, 2, 2]: column x is (low[x], low[2 + x])
    float[] high = {
      (float) Math.cos(angle0), (float) Math.cos(angle1),
      (float) Math.sin(angle0), (float) Math.sin(angle1)
    };
    float[] got = VariationNoise.slerp(0.5, low, high, c, h, w);
    assertEquals(Math.cos(0.4), got[0], 1e-6);
    assertEquals(Math.sin(0.4), got[2], 1e-6);
    assertEquals(Math.cos(0.95), got[1], 1e-6);
    assertEquals(Math.sin(0.95), got[3], 1e-6);
  }

  @Test
  void laterDrawsAreTheSeedsOwnStepNoise() {
    NoiseSource v = VariationNoise.of(new SeedNoise(3), varied(3, 4, 0.2), 0, C, H, W);
    v.next(N);
    SeedNoise plain = new SeedNoise(3);
    plain.next(N);
    assertArrayEquals(plain.next(17), v.next(17));
  }

  @Test
  void aBatchKeepsTheSeedAndCountsTheVariationSeedUp() {
    Settings s = varied(100, 500, 0.1);
    assertEquals(100, s.seedOf(3));
    assertEquals(503, s.variationSeedOf(3));
    float[] third = VariationNoise.of(new SeedNoise(100), s, 3, C, H, W).next(N);
    float[] direct =
        VariationNoise.slerp(0.1, new SeedNoise(100).next(N), new SeedNoise(503).next(N), C, H, W);
    assertArrayEquals(direct, third);
    assertEquals(
        Map.of("Variation seed", "503", "Variation seed strength", "0.1"),
        VariationNoise.parameters(Map.of(), s, 3));
    assertEquals(
        "1",
        VariationNoise.parameters(Map.of(), varied(1, 2, 1), 0).get("Variation seed strength"));
  }

  @Test
  void aLatentOnePixelTallIsRefusedInOneSentence() {
    NoiseSource v = VariationNoise.of(new SeedNoise(1), varied(1, 2, 0.5), 0, 4, 1, 8);
    EngineException e = assertThrows(EngineException.class, () -> v.next(32));
    assertTrue(e.getMessage().startsWith("The variation noise is undefined for an image 1 latent"));
  }
}
