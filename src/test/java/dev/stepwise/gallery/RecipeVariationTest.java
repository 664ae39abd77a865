package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.recipe.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeVariationTest {
  @Test
  void theKeysGoInA1111sPlaceAndReadBackFromA1111AndJson() {
    Map<String, String> run =
        Map.of("VAE", "v", "Variation seed", "5", "Variation seed strength", "0.1");
    Recipe r = Recipe.made(Settings.defaults().withClipSkip(2), 1, 64, 64, -1, "m", null, run);
    assertEquals(
        List.of("VAE", "Variation seed", "Variation seed strength", "Clip skip"),
        List.copyOf(r.extras().keySet()));
    assertEquals(
        List.of(5L, 0.1),
        List.of(RecipeJson.read(RecipeJson.write(r)).variationSeed(), r.variationStrength()));
    String a1111 =
        "a\n"
            + "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Variation seed:"
            + " 3456, Variation seed strength: 0.25";
    Recipe read = ImageParameters.fromA1111(InfoText.parse(a1111), new ArrayList<>());
    assertEquals(List.of(3456L, 0.25), List.of(read.variationSeed(), read.variationStrength()));
    assertEquals(a1111, InfoText.format(read.toParameters()));
    Map<String, String> bad = Map.of("Variation seed", "x", "Variation seed strength", "0.5");
    assertNull(
        new Recipe("p", "", null, null, "ddim", false, 20, 5, 0, 1, 64, 64, -1, null, null, bad)
            .variationSeed());
  }
}
