package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.cli.CliTest.Run;
import dev.stepwise.engine.TestPacks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 22: progress a script can follow, results it can read, --quiet. */
class ScriptingCliTest {
  @TempDir Path dir;
  private final StringWriter text = new StringWriter();
  private long now;

  private String take() {
    String s = text.toString();
    text.getBuffer().setLength(0);
    return s;
  }

  @Test
  void theBarIsRedrawnInPlaceWithTheSmoothedRateAndPlainHasALinePerImage() {
    Progress p = new Progress(new PrintWriter(text), Progress.Mode.BAR, () -> now);
    p.step(1, 2, 1, 4, 0, 8000);
    assertEquals("\rimage 1/2 [######------------------] step 1/4  ETA 0:08\033[K", take());
    now += 500_000_000L; // 0.5 s a step, then 3 s: 0.3 * 3 + 0.7 * 0.5 = 1.25 s a step
    p.step(1, 2, 2, 4, 500, 3000);
    assertEquals(
        "\rimage 1/2 [############------------] step 2/4  2.00 steps/s  ETA 0:03\033[K", take());
    now += 3_000_000_000L;
    p.step(1, 2, 3, 4, 3500, 2500);
    assertTrue(take().contains(" step 3/4  1.3 s/step  ETA 0:03\033[K"));
    p.end();
    p.end();
    assertEquals("\r\033[K", take(), "end erases the line, once");
    Progress plain = new Progress(new PrintWriter(text), Progress.Mode.PLAIN, () -> now);
    plain.step(1, 2, 4, 4, 2000, 2000);
    plain.file(1, 2, 4, "/tmp/a-0.png", 1, 8, 8, 2000);
    plain.file(2, 2, 4, "/tmp/a-1.png", 2, 8, 8, 8000);
    for (int done = 0; done <= 20; done++) {
      plain.count(done, 20, done * 100L);
    }
    List<String> lines = take().lines().toList();
    assertEquals("image 1 of 2: 4 steps in 2.0 s (2.00 steps/s), about 0:02 left", lines.get(0));
    assertEquals("image 2 of 2: 4 steps in 8.0 s (2.0 s/step)", lines.get(1));
    assertEquals("2 of 20 files (10%) in 200 ms", lines.get(2));
    assertEquals(12, lines.size(), "a line per tenth of a count");
    assertEquals("1:00:00", Progress.clock(3_600_000));
  }

  private Run generate(String... extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--model", "" + TestPacks.tinySd()));
    args.addAll(List.of("--prompt", "a red heart", "--negative", "blue", "--steps", "4"));
    args.addAll(List.of("--seed", "7", "--sampler", "euler_a", "--karras", "--batch", "2"));
    args.addAll(List.of("--out", dir.resolve("h.png").toString()));
    args.addAll(List.of(extra));
    return CliTest.cli(args.toArray(String[]::new));
  }

  private static JsonObject json(String s) {
    return JsonParser.parseString(s).getAsJsonObject();
  }

  @Test
  void progressJsonHasALinePerStepAndPerFileAndJsonListsTheFiles() throws Exception {
    Run r = generate("--progress", "json", "--json");
    assertEquals(0, r.code(), r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(2 * (4 + 1), lines.size(), r.err());
    for (int image = 1, at = 0; image <= 2; image++) {
      for (int step = 1; step <= 4; step++) {
        assertEquals(
            "{\"event\":\"step\",\"image\":" + image + ",\"images\":2,\"step\":" + step,
            lines.get(at++).replaceAll(",\"steps\":4,\"elapsed_ms\":\\d+,\"eta_ms\":\\d+}$", ""));
      }
      JsonObject f = json(lines.get(at++));
      assertEquals("file", f.get("event").getAsString(), f.toString());
      assertEquals("" + dir.resolve("h-" + (image - 1) + ".png"), f.get("file").getAsString());
      assertEquals(6 + image, f.get("seed").getAsLong());
    }
    JsonObject o = json(r.out()); // the whole of stdout
    assertEquals("ok", o.get("status").getAsString());
    for (int i = 0; i < 2; i++) {
      JsonObject f = o.getAsJsonArray("files").get(i).getAsJsonObject();
      Path file = dir.resolve("h-" + i + ".png");
      assertEquals(file.toString(), f.get("file").getAsString());
      assertEquals(Files.size(file), f.get("bytes").getAsLong());
      assertEquals(
          "{\"prompt\":\"a red heart\",\"negative_prompt\":\"blue\",\"steps\":4,"
              + "\"sampler\":\"euler_a\",\"schedule\":\"karras\",\"cfg_scale\":5.0,\"seed\":"
              + (7 + i)
              + ",\"width\":32,\"height\":32,\"model\":\"tiny-sd\","
              + "\"model_hash\":\"88a90ee178\",\"eta\":0.0,\"clip_skip\":1,"
              + "\"variation_seed\":null,\"variation_strength\":0.0}",
          f.get("recipe").toString());
    }
  }

  @Test
  void quietPrintsNothingButErrors() {
    Run r = generate("-q");
    assertEquals("", r.out() + r.err());
    assertEquals(0, r.code());
  }

  @Test
  void libraryRebuildCountsTheFilesItReads() {
    Path folder = dir.resolve("lib");
    try (dev.stepwise.gallery.Library lib = dev.stepwise.gallery.Library.open(folder)) {
      for (int i = 0; i < 3; i++) {
        lib.save(1, 1, new byte[3], LibraryCliTest.recipe("image " + i, i));
      }
    }
    Run r = CliTest.cli("library", "rebuild", "--library", "" + folder, "--progress", "json");
    assertEquals(
        "1 3 2 3 3 3",
        r.err()
            .replaceAll("\\{\"event\":\"count\",\"done\":(\\d),\"total\":(\\d),[^}]+}", "$1 $2")
            .replace('\n', ' ')
            .trim());
  }
}
