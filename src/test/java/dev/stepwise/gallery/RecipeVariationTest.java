package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.recipe.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Variation seed and strength in the recipe, its JSON and A1111's text, both ways. */
class RecipeVariationTest {

  @Test
  void theRunsVariationKeysGoInA1111sPlaceBetweenVaeAndClipSkip() {
    Map<String, String> run = new LinkedHashMap<>();
    run.put("TI hashes", "zorb: 0123456789ab");
    run.put("Variation seed", "503");
    run.put("Variation seed strength", "0.1");
    run.put("VAE", "v.safetensors");
    Settings s = Settings.defaults().withClipSkip(2).withVariation(500, 0.1);
    Recipe r = Recipe.made(s, 100, 64, 64, -1, "m", null, run);
    assertEquals(
        List.of("VAE", "Variation seed", "Variation seed strength", "Clip skip", "TI hashes"),
        List.copyOf(r.extras().keySet()));
    assertEquals(503L, r.variationSeed());
    assertEquals(0.1, r.variationStrength());
    String text = InfoText.format(r.toParameters());
    assertTrue(
        text.contains("VAE: v.safetensors, Variation seed: 503, Variation seed strength: 0.1,"),
        text);
    Recipe json = RecipeJson.read(RecipeJson.write(r));
    assertEquals(503L, json.variationSeed());
    assertEquals(0.1, json.variationStrength());
    assertEquals(503, r.fields("f.png", List.of()).toJson().get("variation_seed").getAsLong());
  }

  @Test
  void anA1111ImagesVariationIsReadBack() {
    String a1111 =
        "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 512x512, Model hash:"
            + " 6ce0161689, Model: v1-5-pruned-emaonly, Variation seed: 3456, Variation seed"
            + " strength: 0.25, Version: v1.6.0";
    Recipe r = ImageParameters.fromA1111(InfoText.parse(a1111), new ArrayList<>());
    assertEquals(3456L, r.variationSeed());
    assertEquals(0.25, r.variationStrength());
    assertEquals(a1111, InfoText.format(r.toParameters()), "written back as A1111 wrote it");
  }

  @Test
  void noVariationWritesNoKeysAndBrokenValuesReadAsNone() {
    Recipe plain = Recipe.made(Settings.defaults(), 1, 64, 64, -1, "m", null);
    assertFalse(InfoText.format(plain.toParameters()).contains("Variation"));
    assertNull(plain.variationSeed());
    assertEquals(0, plain.variationStrength());
    assertTrue(plain.fields("f.png", List.of()).toJson().get("variation_seed").isJsonNull());
    for (Map<String, String> ex :
        List.of(
            Map.of("Variation seed", "abc", "Variation seed strength", "0.5"),
            Map.of("Variation seed", "12", "Variation seed strength", "lots"),
            Map.of("Variation seed strength", "0.5"),
            Map.of("Variation seed", "12", "Variation seed strength", "0"))) {
      Recipe r =
          new Recipe("p", "", null, null, "ddim", false, 20, 5, 0, 1, 64, 64, -1, null, null, ex);
      assertNull(r.variationSeed(), ex.toString());
      assertEquals(0, r.variationStrength(), ex.toString());
    }
  }
}
