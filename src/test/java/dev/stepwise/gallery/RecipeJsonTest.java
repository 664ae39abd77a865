package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.MetadataException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeJsonTest {
  @Test
  void roundTripsEveryField() {
    Recipe r =
        new Recipe(
            "a cat,\n\"on\" a mat",
            "",
            null,
            "ff00",
            "ddim",
            false,
            30,
            7.25,
            0.5,
            -42,
            512,
            768,
            98765,
            "Stepwise 0.1.0",
            Instant.parse("2026-01-02T03:04:05.678Z"),
            Map.of("Clip skip", "2"));
    assertEquals(r, RecipeJson.read(RecipeJson.write(r)));
  }

  @Test
  void parametersTextCarriesTheA1111Fields() {
    String text = InfoText.format(GalleryTestData.recipe("a fox", 77).toParameters());
    assertTrue(text.startsWith("a fox\nNegative prompt: blurry\n"), text);
    assertTrue(
        text.contains(
            "Steps: 12, Sampler: Euler a, Schedule type: Karras, CFG scale: 6.5,"
                + " Seed: 77, Size: 8x8, Model hash: abcdef0123, Model: tiny-sd"),
        text);
  }

  @Test
  void refusesWhatIsNotARecipe() {
    assertEquals(
        "The Stepwise recipe is not valid JSON.",
        assertThrows(MetadataException.class, () -> RecipeJson.read("{")).getMessage());
    String ok = RecipeJson.write(GalleryTestData.recipe("x", 1));
    assertTrue(
        assertThrows(
                MetadataException.class,
                () -> RecipeJson.read(ok.replace("\"formatVersion\":1", "\"formatVersion\":9")))
            .getMessage()
            .contains("format version 9"));
    assertTrue(
        assertThrows(
                MetadataException.class,
                () -> RecipeJson.read(ok.replace("\"steps\":12", "\"steps\":\"many\"")))
            .getMessage()
            .contains("'steps'"));
    assertTrue(
        assertThrows(
                MetadataException.class,
                () ->
                    RecipeJson.read(ok.replace("\"sampler\":\"euler_a\"", "\"sampler\":\"heun\"")))
            .getMessage()
            .contains("heun"));
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThrows(MetadataException.class, () -> RecipeJson.read(deep));
  }
}
