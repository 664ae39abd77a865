package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.metadata.MetadataCorpus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stepwise info} and {@code library list --json} on the corpus of other tools' images. */
class InfoCliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsTheRecipeTheToolAndTheNotices() {
    Run r = cli("info", MetadataCorpus.file("sdnext-no-sampler.png").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertTrue(r.out().contains("  from: SD.Next 56a8aea\n"), r.out());
    assertTrue(r.out().contains("  prompt: general, masterpiece"), r.out());
    assertTrue(
        r.out().contains("steps 20, sampler euler_a, CFG scale 6, seed 2251068289, size 1024x1024"),
        r.out());
    assertTrue(r.out().contains("  note: The image does not record its sampler"), r.out());
  }

  @Test
  void jsonGivesOneRecordPerFileAndARefusedFileAnError() throws Exception {
    Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
    Run r =
        cli(
            "info",
            "--json",
            MetadataCorpus.file("comfyui-ksampler.png").toString(),
            text.toString(),
            MetadataCorpus.file("civitai.jpg").toString());
    assertEquals(1, r.code());
    assertEquals("", r.err());
    assertTrue(r.out().chars().allMatch(c -> c < 0x7f), "ASCII whatever the locale");
    JsonArray a = JsonParser.parseString(r.out()).getAsJsonArray();
    assertEquals(3, a.size());
    JsonObject comfy = a.get(0).getAsJsonObject();
    assertEquals("ComfyUI, KSampler node Sampler", comfy.get("tool").getAsString());
    assertTrue(comfy.get("prompt").getAsString().endsWith("テスト, "));
    assertEquals(422847914351919L, comfy.get("seed").getAsLong());
    assertEquals("karras", comfy.get("schedule").getAsString());
    assertEquals(
        "[file, tool, prompt, negative_prompt, steps, sampler, schedule, cfg_scale, seed, width,"
            + " height, model, model_hash, eta, clip_skip, variation_seed, variation_strength,"
            + " notices]",
        comfy.keySet().toString());
    assertEquals(text.toString(), a.get(1).getAsJsonObject().get("file").getAsString());
    assertTrue(a.get(1).getAsJsonObject().get("error").getAsString().contains("not a PNG, JPEG"));
    assertEquals("Civitai", a.get(2).getAsJsonObject().get("tool").getAsString());
  }

  @Test
  void aRefusedFileIsOneLineOnStderr() {
    Run r = cli("info", dir.resolve("gone.png").toString());
    assertEquals(1, r.code());
    assertEquals("", r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("stepwise: ") && r.err().strip().endsWith("does not exist."));
  }

  @Test
  void theLibraryIndexesOtherToolsImagesAndListsThemInTheSameSchema() throws Exception {
    Path lib = Files.createDirectories(dir.resolve("lib"));
    for (String f : List.of("novelai-v4.png", "stability-matrix.png", "invokeai2-dream.png")) {
      Files.copy(MetadataCorpus.file(f), lib.resolve(f));
    }
    Run found = cli("library", "search", "--library", lib.toString(), "テスト", "--paths");
    assertEquals(0, found.code(), found.err());
    assertEquals(2, found.out().lines().count(), found.out()); // NovelAI's and Stability Matrix's
    Run list = cli("library", "list", "--library", lib.toString(), "--json");
    assertEquals(0, list.code(), list.err());
    JsonArray a = JsonParser.parseString(list.out()).getAsJsonArray();
    assertEquals(3, a.size());
    List<String> tools =
        a.asList().stream()
            .map(e -> e.getAsJsonObject().get("tool").getAsString())
            .sorted()
            .toList();
    assertEquals(
        List.of(
            "InvokeAI 2 (its Dream command line)",
            "NovelAI (NovelAI Diffusion V4.5 4BDE2A90)",
            "Stability Matrix"),
        tools);
  }
}
