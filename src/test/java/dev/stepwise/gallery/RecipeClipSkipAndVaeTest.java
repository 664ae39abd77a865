package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.recipe.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Clip skip, VAE and TI hashes in the recipe, its JSON and A1111's text. */
class RecipeClipSkipAndVaeTest {

  @Test
  void clipSkipOneIsNotWrittenAndAnAbsentOneReadsAsOne() {
    Recipe r = Recipe.made(Settings.defaults(), 1, 64, 64, -1, "m", null);
    assertFalse(r.extras().containsKey(Recipe.CLIP_SKIP));
    assertEquals(1, r.clipSkip());
    assertEquals(1, RecipeJson.read(RecipeJson.write(r)).clipSkip());
    assertFalse(InfoText.format(r.toParameters()).contains("Clip skip"));
  }

  @Test
  void runParametersAndClipSkipGoInA1111sOrderAndReadBack() {
    Map<String, String> run =
        new java.util.LinkedHashMap<>(
            Map.of("TI hashes", "zorb: 0123456789ab", "VAE", "v.safetensors"));
    run.put("VAE hash", "abcdef0123");
    Recipe r =
        Recipe.made(Settings.defaults().withClipSkip(2), 1, 64, 64, -1, "m", "0011223344", run);
    assertEquals(
        List.of("VAE hash", "VAE", "Clip skip", "TI hashes"), List.copyOf(r.extras().keySet()));
    String text = InfoText.format(r.toParameters());
    assertEquals(
        true,
        text.contains(
            "VAE hash: abcdef0123, VAE: v.safetensors, Clip skip: 2,"
                + " TI hashes: \"zorb: 0123456789ab\""),
        text);
    Recipe back = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    assertEquals(2, back.clipSkip());
    assertEquals("v.safetensors", back.vae());
    Recipe json = RecipeJson.read(RecipeJson.write(r));
    assertEquals(2, json.clipSkip());
    assertEquals("zorb: 0123456789ab", json.extras().get(Recipe.TI_HASHES));
  }

  @Test
  void theModelsOwnVaeRecordsNoVae() {
    assertNull(Recipe.made(Settings.defaults(), 1, 64, 64, -1, "m", null).vae());
  }
}
