package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.cli.CliTest.Run;
import dev.stepwise.engine.TestPacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: progress a script can follow, results it can read, and --quiet. */
class ScriptingCliTest {
  @TempDir Path dir;

  private Run generate(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                TestPacks.tinySd().toString(),
                "--prompt",
                "a red heart emoji",
                "--negative",
                "blue",
                "--steps",
                "4",
                "--seed",
                "7",
                "--sampler",
                "euler_a",
                "--karras",
                "--batch",
                "2",
                "--out",
                dir.resolve("h.png").toString()));
    args.addAll(List.of(extra));
    return CliTest.cli(args.toArray(String[]::new));
  }

  @Test
  void progressJsonIsOneLinePerStepWithIncreasingStepsAndALinePerFile() throws Exception {
    Run r = generate("--progress", "json");
    assertEquals(0, r.code(), r.err());
    List<JsonObject> events = new ArrayList<>();
    for (String line : r.err().lines().toList()) {
      events.add(JsonParser.parseString(line).getAsJsonObject()); // every line is one object
    }
    assertEquals(2 * (4 + 1), events.size(), r.err());
    int at = 0;
    for (int image = 1; image <= 2; image++) {
      long lastElapsed = -1;
      for (int step = 1; step <= 4; step++) {
        JsonObject e = events.get(at++);
        assertEquals("step", e.get("event").getAsString(), e.toString());
        assertEquals(image, e.get("image").getAsInt(), e.toString());
        assertEquals(2, e.get("images").getAsInt(), e.toString());
        assertEquals(step, e.get("step").getAsInt(), "steps count up one by one: " + e);
        assertEquals(4, e.get("steps").getAsInt(), e.toString());
        long elapsed = e.get("elapsed_ms").getAsLong();
        assertTrue(elapsed >= lastElapsed, "elapsed_ms never goes back: " + e);
        lastElapsed = elapsed;
        assertTrue(e.get("eta_ms").getAsLong() >= 0, e.toString());
      }
      JsonObject f = events.get(at++);
      assertEquals("file", f.get("event").getAsString(), f.toString());
      assertEquals(image, f.get("image").getAsInt());
      Path file = dir.resolve("h-" + (image - 1) + ".png");
      assertEquals(file.toAbsolutePath().toString(), f.get("file").getAsString());
      assertTrue(Files.isRegularFile(file), "the file line comes once the file is saved");
      assertEquals(7 + image - 1, f.get("seed").getAsLong());
    }
    assertEquals(0, events.get(2 * 5 - 2).get("eta_ms").getAsLong(), "nothing left at the end");
    assertEquals(2, r.out().lines().filter(l -> l.startsWith("wrote ")).count(), r.out());
  }

  @Test
  void jsonPrintsOneObjectWithTheFilesTheirSeedsSizesTimesAndRecipes() throws Exception {
    Run r = generate("--json");
    assertEquals(0, r.code(), r.err());
    assertEquals(1, r.out().lines().count(), "one object on one line: " + r.out());
    JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals("ok", o.get("status").getAsString());
    assertEquals(2, o.get("images").getAsInt());
    JsonArray files = o.getAsJsonArray("files");
    assertEquals(2, files.size());
    for (int i = 0; i < 2; i++) {
      JsonObject f = files.get(i).getAsJsonObject();
      Path file = dir.resolve("h-" + i + ".png");
      assertEquals(i + 1, f.get("image").getAsInt());
      assertEquals(file.toAbsolutePath().toString(), f.get("file").getAsString());
      assertEquals(7 + i, f.get("seed").getAsLong());
      assertEquals(Files.size(file), f.get("bytes").getAsLong());
      assertTrue(f.get("duration_ms").getAsLong() > 0, f.toString());
      JsonObject recipe = f.getAsJsonObject("recipe");
      Set<String> keys = new TreeSet<>(recipe.keySet());
      assertTrue(
          keys.containsAll(
              Set.of(
                  "prompt",
                  "negative_prompt",
                  "steps",
                  "sampler",
                  "cfg_scale",
                  "seed",
                  "width",
                  "height",
                  "model")),
          "the recipe keys shared with stepwise info --json: " + keys);
      assertEquals("a red heart emoji", recipe.get("prompt").getAsString());
      assertEquals("blue", recipe.get("negative_prompt").getAsString());
      assertEquals(4, recipe.get("steps").getAsInt());
      assertEquals("euler_a", recipe.get("sampler").getAsString());
      assertEquals("karras", recipe.get("schedule").getAsString());
      assertEquals(
          dev.stepwise.recipe.Settings.DEFAULT_GUIDANCE, recipe.get("cfg_scale").getAsDouble());
      assertEquals(7 + i, recipe.get("seed").getAsLong());
      assertEquals(f.get("width").getAsInt(), recipe.get("width").getAsInt());
      java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(file.toFile());
      assertEquals(png.getWidth(), f.get("width").getAsInt());
      assertEquals(png.getHeight(), f.get("height").getAsInt());
      assertEquals("tiny-sd", recipe.get("model").getAsString());
    }
    assertTrue(o.getAsJsonArray("notices").isEmpty(), o.toString());
  }

  @Test
  void quietPrintsNothingButTheJsonAskedFor() throws Exception {
    Run r = generate("--quiet");
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.out());
    assertEquals("", r.err());
    assertTrue(Files.isRegularFile(dir.resolve("h-1.png")));
    r = generate("-q", "--json");
    assertEquals("", r.err());
    assertEquals(
        "ok", JsonParser.parseString(r.out()).getAsJsonObject().get("status").getAsString());
    r = generate("-q", "--progress", "json");
    assertEquals(10, r.err().lines().count(), "an explicit --progress is kept: " + r.err());
  }

  @Test
  void aFailureStillGivesTheJsonObjectWithWhatWasSaved() throws Exception {
    Files.createDirectories(dir.resolve("h-1.png")); // image 2 cannot be written
    Run r = generate("--json", "--progress", "none");
    assertEquals(1, r.code(), r.out());
    JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals("failed", o.get("status").getAsString());
    assertTrue(o.get("error").getAsString().contains("seed 8"), o.toString());
    assertEquals(1, o.getAsJsonArray("files").size(), o.toString());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("stepwise: Could not save the image with seed 8"), r.err());
  }

  @Test
  void libraryRebuildCountsTheFilesItReads() throws Exception {
    Path folder = dir.resolve("lib");
    try (dev.stepwise.gallery.Library lib = dev.stepwise.gallery.Library.open(folder)) {
      for (int i = 0; i < 3; i++) {
        lib.save(1, 1, new byte[3], LibraryCliTest.recipe("image " + i, i));
      }
    }
    Run r = CliTest.cli("library", "rebuild", "--library", folder.toString(), "--progress", "json");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(3, lines.size(), "one object per tenth reached: " + r.err());
    for (int i = 0; i < 3; i++) {
      JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
      assertEquals("count", o.get("event").getAsString());
      assertEquals("files", o.get("what").getAsString());
      assertEquals(i + 1, o.get("done").getAsInt(), o.toString());
      assertEquals(3, o.get("total").getAsInt(), o.toString());
    }
    assertTrue(r.out().startsWith("3 images indexed (0 new, 3 re-read"), r.out());
    r = CliTest.cli("library", "rebuild", "--library", folder.toString());
    assertEquals(
        List.of("1 of 3 files (30%)", "2 of 3 files (60%)", "3 of 3 files (100%)"),
        r.err().lines().map(l -> l.replaceAll(" in [0-9.]+ s$", "")).toList(),
        "plain lines where stderr is not a terminal");
  }

  @Test
  void aBadProgressModeIsRefusedBeforeAnyWork() {
    Run r = generate("--progress", "fancy");
    assertEquals(1, r.code());
    assertEquals(
        "stepwise: --progress must be bar, plain, json or none, got \"fancy\".", r.err().strip());
    assertFalse(Files.exists(dir.resolve("h-0.png")));
  }
}
