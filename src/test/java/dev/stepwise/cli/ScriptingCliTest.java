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
    plain.file(1, 1, 0, "/tmp/b-0.png", 3, 8, 8, 40000); // a server that reports no steps
    for (int done = 0; done <= 20; done++) {
      plain.count(done, 20, done * 100L);
    }
    List<String> lines = take().lines().toList();
    assertEquals("image 1 of 2: 4 steps in 2.0 s (2.00 steps/s), about 0:02 left", lines.get(0));
    assertEquals("image 2 of 2: 4 steps in 8.0 s (2.0 s/step)", lines.get(1));
    assertEquals("image 1 of 1: made in 40.0 s", lines.get(2));
    assertEquals("2 of 20 files (10%) in 200 ms", lines.get(3));
    assertEquals(13, lines.size(), "a line per tenth of a count");
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
              + "\"model_hash\":\"a19c9d3991\",\"eta\":0.0,\"clip_skip\":1,"
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

  @Test
  void benchRunsShowTheFigureRunKOfNWarmUpsApartAndTheTimeLeft() {
    Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, () -> now);
    bar.run("reference conv", 1, 1, 4, false, 0, -1);
    assertEquals("\rreference conv [------------------------] warm-up 1/1\033[K", take());
    bar.run("reference conv", 1, 1, 4, true, 500, 2000);
    assertEquals("", take(), "the bar is drawn as a run starts");
    now += 200_000_000L;
    bar.run("reference conv", 3, 1, 4, false, 700, 61_000);
    assertEquals("\rreference conv [#########---------------] run 2/4  ETA 1:01\033[K", take());
    now += 50_000_000L;
    bar.run("reference conv", 4, 1, 4, false, 750, 400);
    assertEquals("", take(), "at most 10 draws a second");
    bar.run("SD 1.5 guided step 64x64, a label longer than forty", 1, 0, 1, false, 0, -1);
    assertTrue(take().startsWith("\rSD 1.5 guided step 64x64, a label lon... [---"));

    Progress plain = new Progress(new PrintWriter(text), Progress.Mode.PLAIN, () -> now);
    plain.run("reference conv", 2, 1, 4, true, 700, 400);
    plain.figure("reference conv", 1, 4, 5, 1640);
    plain.figure("checkpoint: load", 0, 1, 1, 480);
    plain.figure("small pack: preview", 2, 3, 2, 90);
    assertEquals(
        "reference conv: 1 warm-up + 4 runs in 1.6 s\n"
            + "checkpoint: load: 1 run in 0.5 s\n"
            + "small pack: preview: 2 warm-ups + 3 runs in 0.1 s (stopped after 2)\n",
        take().replace(System.lineSeparator(), "\n"));

    Progress json = new Progress(new PrintWriter(text), Progress.Mode.JSON, () -> now);
    json.run("conv \"3x3\"", 2, 1, 4, false, 700, 400);
    assertEquals("", take(), "a JSON object as a run ends");
    json.run("conv \"3x3\"", 2, 1, 4, true, 700, 400);
    json.figure("conv \"3x3\"", 1, 4, 5, 1640);
    List<String> lines = take().lines().toList();
    assertEquals(
        "{\"event\":\"run\",\"figure\":\"conv \\\"3x3\\\"\",\"warmup\":false,\"run\":1,"
            + "\"runs\":4,\"elapsed_ms\":700,\"eta_ms\":400}",
        lines.get(0));
    assertEquals("figure", json(lines.get(1)).get("event").getAsString());
    assertEquals(5, json(lines.get(1)).get("done").getAsInt());
  }

  @Test
  void exportedFilesAreCountedWithTheTimeLeft() {
    Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, () -> now);
    bar.exported(1, 4, "/tmp/a.png", 1000);
    assertEquals("\r[######------------------] file 1/4  ETA 0:03\033[K", take());
    bar.exported(2, 4, "/tmp/b.png", 2000);
    assertEquals("", take(), "at most 10 draws a second");
    bar.exported(4, 4, "/tmp/d.png", 2500);
    assertEquals("\r[########################] file 4/4\033[K", take(), "the last always");
    Progress plain = new Progress(new PrintWriter(text), Progress.Mode.PLAIN, () -> now);
    plain.exported(1, 3, "/tmp/a\u001b[2J.png", 500);
    plain.exported(2, 3, null, 600);
    plain.exported(3, 3, "/tmp/c.png", 900);
    assertEquals(
        List.of(
            "file 1 of 3: /tmp/a\\x1b[2J.png, about 0:01 left",
            "file 2 of 3: left out (it cannot be read), about 0:00 left",
            "file 3 of 3: /tmp/c.png"),
        take().lines().toList());
  }

  @Test
  void aCountOfOneIsSingular() {
    assertEquals("1 image", Progress.plural(1, "image"));
    assertEquals("0 images", Progress.plural(0, "image"));
    assertEquals("2 warm-ups", Progress.plural(2, "warm-up"));
    Progress plain = new Progress(new PrintWriter(text), Progress.Mode.PLAIN, () -> now);
    plain.file(1, 1, 1, "/tmp/a.png", 1, 8, 8, 500);
    plain.count(1, 1, 5);
    assertEquals(
        List.of("image 1 of 1: 1 step in 0.5 s (2.00 steps/s)", "1 of 1 file (100%) in 5 ms"),
        take().lines().toList());
    Progress bar = new Progress(new PrintWriter(text), Progress.Mode.BAR, () -> now);
    bar.count(1, 1, 5);
    assertTrue(take().endsWith("] 1/1 file\033[K"));

    Path folder = dir.resolve("lib");
    try (dev.stepwise.gallery.Library lib = dev.stepwise.gallery.Library.open(folder)) {
      lib.save(1, 1, new byte[3], LibraryCliTest.recipe("only one", 1));
    }
    Run rebuild = CliTest.cli("library", "rebuild", "--library", "" + folder, "--progress", "none");
    assertTrue(rebuild.out().startsWith("1 image indexed ("), rebuild.out());
    Path zip = dir.resolve("one.zip");
    Run z = CliTest.cli("library", "export", "--library", "" + folder, "--zip", "" + zip);
    assertEquals("wrote " + zip + " (1 image)\n", z.out());
    Run copy = CliTest.cli("library", "export", "--library", "" + folder, "--to", "" + dir);
    assertEquals("copied 1 image into " + dir + "\n", copy.out());
  }

  @Test
  void libraryExportReportsEachFileAsJson() throws Exception {
    Path folder = dir.resolve("lib");
    try (dev.stepwise.gallery.Library lib = dev.stepwise.gallery.Library.open(folder)) {
      for (int i = 0; i < 3; i++) {
        lib.save(1, 1, new byte[3], LibraryCliTest.recipe("image " + i, i));
      }
    }
    Path out = dir.resolve("out");
    Path zip = dir.resolve("all.zip");
    for (String[] target : new String[][] {{"--to", "" + out}, {"--zip", "" + zip}}) {
      Run r =
          CliTest.cli(
              "library",
              "export",
              "--library",
              "" + folder,
              target[0],
              target[1],
              "--progress",
              "json");
      assertEquals(0, r.code(), r.err());
      List<String> lines = r.err().lines().toList();
      assertEquals(3, lines.size(), "one line per file: " + r.err());
      long elapsed = 0;
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        JsonObject o = json(lines.get(i));
        assertEquals("file", o.get("event").getAsString(), o.toString());
        assertEquals(i + 1, o.get("done").getAsInt(), o.toString());
        assertEquals(3, o.get("total").getAsInt(), o.toString());
        assertTrue(o.get("elapsed_ms").getAsLong() >= elapsed, o.toString());
        elapsed = o.get("elapsed_ms").getAsLong();
        assertTrue(o.get("eta_ms").getAsLong() >= 0, o.toString());
        names.add(o.get("file").getAsString());
      }
      assertEquals(0, json(lines.get(2)).get("eta_ms").getAsLong());
      if (target[0].equals("--to")) {
        for (String name : names) {
          assertTrue(Files.isRegularFile(Path.of(name)) && name.startsWith("" + out), name);
        }
        assertEquals("copied 3 images into " + out + "\n", r.out(), "stdout as before");
      } else {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
          for (String name : names) {
            assertTrue(z.getEntry(name) != null, name);
          }
        }
        assertEquals("wrote " + zip + " (3 images)\n", r.out());
      }
    }
    Run none =
        CliTest.cli(
            "library",
            "export",
            "--library",
            "" + folder,
            "--to",
            "" + dir.resolve("quiet"),
            "--progress",
            "none");
    assertEquals("", none.err());
    Run bad =
        CliTest.cli(
            "library", "export", "--library", "" + folder, "--to", "" + out, "--progress", "x");
    assertEquals(2, bad.code());
    assertEquals("stepwise: --progress must be bar, plain, json or none, got \"x\".\n", bad.err());
  }
}
