package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SDXL's original size, crop and target size: written only when chosen, and read back. */
class RecipeSizesTest {

  @Test
  void chosenSizesRoundTripThroughTheParametersTextAndTheRecipeJson() {
    SizeConditioning chosen = new SizeConditioning(768, 1024, 8, 16, 640, 896);
    Map<String, String> run = new LinkedHashMap<>(chosen.parameters(1024, 1024));
    Recipe r = Recipe.made(Settings.defaults(), 1, 1024, 1024, -1, "xl", null, run);
    String text = InfoText.format(r.toParameters());
    assertTrue(
        text.contains("Original size: 768x1024, Crop top-left: \"8,16\", Target size: 640x896"),
        text);
    Recipe back = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    assertEquals(chosen, back.sizeConditioning());
    assertEquals(chosen, RecipeJson.read(RecipeJson.write(r)).sizeConditioning());
  }

  @Test
  void onlyTheKeysThatDifferAreWrittenAndMissingOnesReadAsTheImageSize() {
    SizeConditioning crop = new SizeConditioning(0, 0, 0, 32, 1024, 1024);
    assertEquals(Map.of("Crop top-left", "0,32"), crop.parameters(1024, 1024));
    SizeConditioning back = SizeConditioning.read(crop.parameters(1024, 1024));
    assertEquals(new SizeConditioning(0, 0, 0, 32, 0, 0), back);
    assertEquals(
        java.util.List.of(896, 1152, 32, 0, 896, 1152),
        java.util.Arrays.stream(back.timeIds(1152, 896)).boxed().toList(),
        "(height, width), (top, left), (height, width)");
    assertTrue(SizeConditioning.DEFAULT.isDefaultFor(512, 768));
    assertEquals(SizeConditioning.DEFAULT, SizeConditioning.read(Map.of()));
    assertEquals(
        SizeConditioning.DEFAULT,
        SizeConditioning.read(Map.of("Original size", "big", "Crop top-left", "-1,3")),
        "values that cannot be read keep their defaults");
  }

  @Test
  void badValuesAreOneSentence() {
    RecipeException e =
        assertThrows(RecipeException.class, () -> new SizeConditioning(0, 768, 0, 0, 0, 0));
    assertEquals(
        "Original size must be two sides of 1 to 16384 pixels, got 0x768.", e.getMessage());
    e = assertThrows(RecipeException.class, () -> new SizeConditioning(0, 0, -4, 0, 0, 0));
    assertEquals("The crop's top-left corner must be 0 to 16384, got -4,0.", e.getMessage());
    e = assertThrows(RecipeException.class, () -> new SizeConditioning(0, 0, 0, 0, 20000, 8));
    assertTrue(e.getMessage().startsWith("Target size must be"), e.getMessage());
  }
}
