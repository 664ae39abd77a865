package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Recipe;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads every image of the corpus of other tools' files (src/test/resources/metadata-corpus, with
 * its sources in README.md) and checks the recipe against expected.json, written by hand from each
 * file's own text; A1111-text files are also checked against a1111-reference.json, what A1111's own
 * parser makes of them (corpus.py ports its parse_generation_parameters).
 */
class MetadataCorpusTest {
  static JsonObject json(String name) throws IOException {
    return MetadataCorpus.json(name);
  }

  static Stream<String> files() throws IOException {
    return json("expected.json").keySet().stream();
  }

  @Test
  void everyImageInTheCorpusHasItsExpectedRecipe() throws IOException {
    List<String> images = MetadataCorpus.images();
    assertEquals(images, json("expected.json").keySet().stream().sorted().toList());
  }

  @ParameterizedTest
  @MethodSource("files")
  void readsTheRecipeItsToolWrote(String file) throws IOException {
    JsonObject all = json("expected.json");
    JsonObject want = all.getAsJsonObject(file);
    if (want.has("same_prompts_as")) { // one prompt in two files: written once
      JsonObject other = all.getAsJsonObject(want.get("same_prompts_as").getAsString());
      want.add("prompt", other.get("prompt"));
      want.add("negative_prompt", other.get("negative_prompt"));
    }
    JsonObject a1111 = json("a1111-reference.json").getAsJsonObject(file);
    ImageParameters p = ImageParameters.read(MetadataCorpus.file(file));
    Recipe r = p.recipe();
    assertEquals(want.get("tool").getAsString(), r.source(), file);
    assertText(text(want, "prompt", a1111, "prompt"), r.prompt(), file);
    assertText(text(want, "negative_prompt", a1111, "negative"), r.negativePrompt(), file);
    assertEquals(want.get("steps").getAsInt(), r.steps(), file);
    assertEquals(want.get("sampler").getAsString(), r.sampler(), file);
    assertEquals(want.get("karras").getAsBoolean(), r.karras(), file);
    assertEquals(want.get("cfg_scale").getAsDouble(), r.guidance(), file);
    assertEquals(want.get("seed").getAsLong(), r.seed(), file);
    assertEquals(want.get("width").getAsInt(), r.width(), file);
    assertEquals(want.get("height").getAsInt(), r.height(), file);
    assertEquals(want.has("model") ? want.get("model").getAsString() : null, r.modelName(), file);
    if (want.has("model_hash")) {
      assertEquals(want.get("model_hash").getAsString(), r.modelHash(), file);
    }
    JsonObject extras = want.has("extras") ? want.getAsJsonObject("extras") : new JsonObject();
    for (Map.Entry<String, JsonElement> e : extras.entrySet()) {
      assertEquals(e.getValue().getAsString(), r.extras().get(e.getKey()), file + " " + e.getKey());
    }
    if (a1111 != null) { // prompts and every key as A1111's own parser reads them
      Map<String, String> chunks = ForeignParameters.readText(MetadataCorpus.file(file));
      String text = chunks.getOrDefault("parameters", chunks.get(ExifComment.KEY));
      assertEquals(a1111.get("prompt").getAsString(), InfoText.parse(text).prompt(), file);
      assertEquals(a1111.get("negative").getAsString(), InfoText.parse(text).negativePrompt());
      Map<String, String> pairs = new java.util.LinkedHashMap<>();
      a1111
          .getAsJsonObject("pairs")
          .entrySet()
          .forEach(e -> pairs.put(e.getKey(), e.getValue().getAsString()));
      assertEquals(pairs, InfoText.values(text), file);
    }
    String notices = String.join(" ", p.notices());
    int expected = want.getAsJsonArray("notices").size();
    for (JsonElement n : want.getAsJsonArray("notices")) {
      assertTrue(notices.contains(n.getAsString()), file + ": " + notices);
    }
    // each expected phrase is one notice, except a sampler and a schedule named in one sentence
    long phrases =
        p.notices().stream()
            .mapToLong(n -> n.contains("schedule, so") && n.contains("sampler, so") ? 2 : 1)
            .sum();
    assertEquals(expected, phrases, file + ": " + p.notices());
    for (String n : p.notices()) {
      assertTrue(n.endsWith("."), n);
    }
  }

  /** Equal, or for an expectation ending in "…" (a long text written once), its start. */
  private static void assertText(String want, String got, String file) {
    boolean start = want.endsWith("…");
    assertEquals(
        want,
        start ? got.substring(0, Math.min(got.length(), want.length() - 1)) + "…" : got,
        file);
  }

  private static String text(JsonObject want, String key, JsonObject a1111, String refKey) {
    if (want.has(key)) {
      return want.get(key).getAsString();
    }
    assertTrue(a1111 != null, "an A1111-text file without its reference: " + key);
    return a1111.get(refKey).getAsString();
  }
}
