package dev.stepwise.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
  private static Settings guidance(double g) {
    return new Settings("p", "", Sampler.EULER, false, 0, 20, g, 1, 64, 64);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, 1, 7.5, 30})
  void guidanceFromZeroToThirtyIsKept(double g) {
    assertEquals(g, guidance(g).guidance());
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.5, 30.5, Double.NaN, Double.POSITIVE_INFINITY})
  void guidanceOutsideZeroToThirtyIsOneSentenceNamingIt(double g) {
    RecipeException e = assertThrows(RecipeException.class, () -> guidance(g));
    assertEquals("Guidance scale must be between 0 and 30, got " + g + ".", e.getMessage());
  }

  @Test
  void eachLimitIsCheckedInTheConstructor() {
    assertEquals(
        "Steps must be between 1 and 10000, got 0.",
        assertThrows(
                RecipeException.class,
                () -> new Settings("p", "", Sampler.DDIM, false, 0, 0, 5, 1, 0, 0))
            .getMessage());
    assertEquals(
        "Eta must be between 0 and 1, got 1.5.",
        assertThrows(
                RecipeException.class,
                () -> new Settings("p", "", Sampler.DDIM, false, 1.5, 20, 5, 1, 0, 0))
            .getMessage());
    assertTrue(
        assertThrows(
                RecipeException.class,
                () -> new Settings("p", "", Sampler.DDIM, false, 0, 20, 5, 1, 4, 64))
            .getMessage()
            .endsWith("got 4x64."));
    assertTrue(
        Settings.problem(20, 5, 0, Settings.MAX_SIDE + 8, 64).contains("4104x64"),
        "a side over the limit is named");
    assertNull(Settings.problem(Settings.MAX_STEPS, 30, 1, 0, Settings.MAX_SIDE));
  }

  @Test
  void nullsReadAsDefaultsAndSeedsCountUpInABatch() {
    Settings s = new Settings(null, null, null, false, 0, 20, 5, 41, 0, 0);
    assertEquals("", s.prompt());
    assertEquals("", s.negativePrompt());
    assertEquals(Sampler.DDIM, s.sampler());
    assertEquals(43, s.seedOf(2));
    assertEquals(96, s.withSize(96, 64).width());
    assertEquals(41, s.withSize(96, 64).seed(), "only the size changes");
    Settings d = Settings.defaults();
    assertEquals(Settings.DEFAULT_STEPS, d.steps());
    assertEquals(Settings.DEFAULT_GUIDANCE, d.guidance());
    assertNull(Settings.problem(d.steps(), d.guidance(), d.eta(), d.width(), d.height()));
  }

  @Test
  void samplerNamesAreOneList() {
    assertEquals(
        java.util.List.of("ddpm", "ddim", "euler", "euler_a", "dpmpp_2m"), Sampler.cliNames());
    assertEquals("ddpm, ddim, euler, euler_a or dpmpp_2m", Sampler.cliNameList());
    for (Sampler s : Sampler.values()) {
      assertEquals(s, Sampler.ofCliName(s.cliName()));
      assertEquals(s, Sampler.parse(s.displayName()));
    }
    assertNull(Sampler.ofCliName("Euler a"), "only the exact CLI spelling");
    assertFalse(Sampler.DDIM.takesKarras());
    assertFalse(Sampler.DDPM.takesKarras());
    assertTrue(Sampler.EULER_A.takesKarras());
  }

  @Test
  void clipSkipIsCheckedOnceHereAndDefaultsToOne() {
    assertEquals(1, Settings.defaults().clipSkip());
    assertEquals(12, Settings.defaults().withClipSkip(12).clipSkip());
    RecipeException e =
        assertThrows(RecipeException.class, () -> Settings.defaults().withClipSkip(13));
    assertEquals("Clip skip must be between 1 and 12, got 13.", e.getMessage());
    assertEquals("Clip skip must be between 1 and 12, got 0.", Settings.problem(20, 5, 0, 0, 0, 0));
    assertEquals(2, Settings.defaults().withClipSkip(2).withSize(64, 64).clipSkip());
  }

  @Test
  void variationStrengthRunsFromZeroToOneAndFreezesTheSeedOfABatch() {
    Settings plain = Settings.defaults();
    assertEquals(0, plain.variationStrength());
    Settings v = plain.withVariation(77, 0.25).withSize(64, 64).withClipSkip(2);
    assertEquals(77, v.variationSeed());
    assertEquals(0.25, v.variationStrength(), "withSize and withClipSkip keep the variation");
    assertEquals(0, v.seedOf(3), "A1111: every image keeps the seed when a variation is mixed in");
    assertEquals(80, v.variationSeedOf(3));
    assertEquals(3, plain.withVariation(77, 0).seedOf(3), "strength 0 counts seeds up as before");
    for (double bad : new double[] {-0.01, 1.5, Double.NaN}) {
      RecipeException e = assertThrows(RecipeException.class, () -> plain.withVariation(1, bad));
      assertEquals("Variation strength must be between 0 and 1, got " + bad + ".", e.getMessage());
    }
    assertNull(Settings.variationProblem(1));
  }
}
