package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GenerationSettingsTest {
  private static GenerationSettings with(
      int steps, double s, String seed, boolean locked, int w, int h, int batch) {
    return new GenerationSettings(
        "a cat", "", s, steps, seed, locked, Sampler.EULER, true, w, h, batch, "");
  }

  @Test
  void clipSkipAndTheVaeReachTheRequestAndOlderSettingsReadAsTheDefaults(
      @org.junit.jupiter.api.io.TempDir Path root) throws Exception {
    GenerationSettings d = GenerationSettings.defaults();
    assertEquals(1, d.clipSkip());
    assertEquals("", d.vae());
    java.nio.file.Files.createDirectories(root.resolve("embeddings"));
    GenerationSettings s =
        new GenerationSettings(
            "a cat",
            "",
            5,
            20,
            "1",
            false,
            Sampler.DDIM,
            false,
            64,
            64,
            1,
            "",
            null,
            null,
            null,
            root.toString(),
            2,
            "/vae/ft-mse.safetensors");
    GenerationRequest r = s.toRequest(1, null);
    assertEquals(2, r.settings().clipSkip());
    assertEquals(Path.of("/vae/ft-mse.safetensors"), r.vae());
    assertEquals(root.resolve("embeddings"), r.embeddings());
    GenerationSettings bad =
        new GenerationSettings(
            "a cat",
            "",
            5,
            20,
            "1",
            false,
            Sampler.DDIM,
            false,
            64,
            64,
            1,
            "",
            null,
            null,
            null,
            "",
            13,
            null);
    assertEquals("Clip skip must be between 1 and 12, got 13.", bad.problem(8));
    GenerationSettings old =
        new com.google.gson.Gson()
            .fromJson("{\"prompt\": \"x\", \"steps\": 20}", GenerationSettings.class);
    assertEquals(1, old.clipSkip(), "a settings file from before clip skip");
    assertEquals("", old.vae());
  }

  @Test
  void defaultsAreValidAndCarryTheExamplePrompt() {
    GenerationSettings d = GenerationSettings.defaults();
    assertNull(d.problem(8));
    assertEquals(GenerationSettings.EXAMPLE_PROMPT, d.prompt());
  }

  @Test
  void eachBadFieldIsNamedInOneSentence() {
    assertTrue(with(0, 5, "1", false, 64, 64, 1).problem(8).startsWith("Steps must be between 1"));
    assertTrue(with(20, Double.NaN, "1", false, 64, 64, 1).problem(8).startsWith("Guidance scale"));
    assertTrue(with(20, 31, "1", false, 64, 64, 1).problem(8).startsWith("Guidance scale"));
    assertTrue(with(20, 5, "1", false, 64, 60, 1).problem(8).contains("multiples of 8"));
    assertNull(with(20, 5, "1", false, 64, 60, 1).problem(4));
    assertTrue(with(20, 5, "1", false, 64, 64, 0).problem(8).startsWith("Batch count"));
    assertTrue(with(20, 5, "x12", true, 64, 64, 1).problem(8).contains("\"x12\""));
    assertNull(
        with(20, 5, "x12", false, 64, 64, 1).problem(8), "an unlocked seed field is not read");
  }

  @Test
  void toRequestCarriesEveryControl() {
    GenerationRequest r = with(12, 7.5, "3", true, 96, 64, 3).toRequest(99, Path.of("/packs/x"));
    assertEquals(12, r.settings().steps());
    assertEquals(7.5, r.settings().guidance());
    assertEquals(99, r.settings().seed());
    assertEquals(101, r.settings().seedOf(2));
    assertEquals(Sampler.EULER, r.settings().sampler());
    assertTrue(r.settings().karras());
    assertEquals(96, r.settings().width());
    assertEquals(64, r.settings().height());
    assertEquals(3, r.batch());
    assertEquals(Path.of("/packs/x"), r.model());
    assertEquals(PreviewMethod.AUTO, r.previewMethod(), "Auto by default");
    assertNull(r.previewDecoder());
  }

  @Test
  void thePreviewMethodAndTheModelsPreviewDecoderReachTheRequest() {
    GenerationSettings d = GenerationSettings.defaults();
    assertEquals(PreviewMethod.AUTO, d.previewMethod());
    GenerationSettings s =
        new GenerationSettings(
            "a cat",
            "",
            5,
            4,
            "1",
            false,
            Sampler.DDIM,
            false,
            0,
            0,
            1,
            "",
            PreviewMethod.TINY,
            Map.of(GenerationSettings.modelKey(Path.of("/packs/x")), "/d/taesd"));
    GenerationRequest r = s.toRequest(1, Path.of("/packs/x/../x"));
    assertEquals(PreviewMethod.TINY, r.previewMethod());
    assertEquals(Path.of("/d/taesd"), r.previewDecoder());
    assertNull(s.toRequest(1, Path.of("/packs/y")).previewDecoder(), "chosen per model");
    assertNull(s.toRequest(1, null).previewDecoder());
    GenerationSettings old =
        new GenerationSettings("a", "", 5, 4, "1", false, null, false, 0, 0, 1, null, null, null);
    assertEquals(PreviewMethod.AUTO, old.previewMethod(), "an older file's settings get Auto");
    assertTrue(old.previewDecoders().isEmpty());
  }

  @Test
  void seedRules() {
    assertEquals(-5, Seeds.parse(" -5 "));
    assertThrows(EngineException.class, () -> Seeds.parse("1.5"));
    assertEquals(42, Seeds.next(true, "42", new Random(1)));
    long a = Seeds.next(false, "42", new Random(1));
    long b = Seeds.next(false, "42", new Random(2));
    assertNotEquals(a, b);
    assertTrue(a >= 0 && a < Seeds.RANGE);
    assertEquals("seed 7", Seeds.describe(7, 1));
    assertEquals("seeds 7-10", Seeds.describe(7, 4));
  }
}
