package dev.stepwise.engine.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Settings;
import java.io.InputStreamReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Against torch (variation_reference.json, from the script beside it) and closed forms. */
class VariationNoiseTest {
  private static float[] first(long seed, long vSeed, double t, int i) {
    Settings s = new Settings("", "", null, false, 0, 20, 5, seed, 0, 0, 1, vSeed, t);
    return VariationNoise.of(new SeedNoise(s.seedOf(i)), s, i, 4, 2, 3).next(24); // [4, 2, 3]
  }

  @Test
  void matchesTorchAndItsClosedForms() throws Exception {
    var in = new InputStreamReader(getClass().getResourceAsStream("variation_reference.json"));
    for (JsonElement e : JsonParser.parseReader(in).getAsJsonArray()) {
      var c = e.getAsJsonObject();
      float[] got =
          first(
              Long.parseLong(c.get("seed").getAsString()),
              Long.parseLong(c.get("variation_seed").getAsString()),
              c.get("strength").getAsDouble(),
              0);
      for (int k = 0; k < 24; k++) {
        assertEquals(c.getAsJsonArray("out").get(k).getAsDouble(), got[k], 2e-6, c.toString());
      }
    }
    assertArrayEquals(new SeedNoise(7).next(24), first(42, 7, 1, 0)); // sin(om)/sin(om) = 1
    SeedNoise plain = new SeedNoise(9);
    assertSame(plain, VariationNoise.of(plain, Settings.defaults(), 0, 4, 2, 3)); // strength 0
    // [1, 2, 2]: high turns low by 0.8 and 1.9 rad in each column; halfway turns by half
    float[] low = {1, 1, 0, 0};
    float[] high = {
      (float) Math.cos(.8), (float) Math.cos(1.9), (float) Math.sin(.8), (float) Math.sin(1.9)
    };
    float[] half = {
      (float) Math.cos(.4), (float) Math.cos(.95), (float) Math.sin(.4), (float) Math.sin(.95)
    };
    assertArrayEquals(half, VariationNoise.slerp(0.5, low, high, 1, 2, 2), 1e-6f);
  }

  @Test
  void aBatchKeepsTheSeedAndTheStepNoiseIsTheSeeds() {
    float[] low = new SeedNoise(100).next(24);
    assertArrayEquals(
        VariationNoise.slerp(.1, low, new SeedNoise(503).next(24), 4, 2, 3),
        first(100, 500, .1, 3));
    Settings s = new Settings("", "", null, false, 0, 20, 5, 100, 0, 0, 1, 500, 0.1);
    NoiseSource v = VariationNoise.of(new SeedNoise(100), s, 0, 4, 2, 3);
    v.next(24);
    SeedNoise plain = new SeedNoise(100);
    plain.next(24);
    assertArrayEquals(plain.next(17), v.next(17));
    assertEquals(
        Map.of("Variation seed", "503", "Variation seed strength", "0.1"),
        VariationNoise.parameters(Map.of(), s, 3));
    NoiseSource flat = VariationNoise.of(new SeedNoise(1), s, 0, 4, 1, 8); // one latent pixel tall
    assertEquals(
        "The variation noise is undefined for an image 1 latent pixels tall (A1111's slerp divides"
            + " by zero there); make the image taller or set the variation strength to 0.",
        assertThrows(EngineException.class, () -> flat.next(32)).getMessage());
  }
}
