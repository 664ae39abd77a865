package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibraryCliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void generateSavesIntoTheLibraryByDefault() throws Exception {
    Path lib = dir.resolve("lib");
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a green leaf",
            "--steps",
            "2",
            "--seed",
            "5",
            "--batch",
            "2",
            "--library",
            lib.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(2, r.out().lines().filter(l -> l.startsWith("saved ")).count(), r.out());
    Run found = cli("library", "search", "--library", lib.toString(), "green", "--paths");
    assertEquals(0, found.code(), found.err());
    List<String> files = found.out().lines().toList();
    assertEquals(2, files.size(), found.out());
    Recipe recipe = ImageParameters.read(Path.of(files.get(0))).recipe();
    assertEquals("a green leaf", recipe.prompt());
    assertEquals(2, recipe.steps());
    assertTrue(Path.of(files.get(0)).getFileName().toString().matches(".*_seed[56]\\.png"));
    assertTrue(recipe.durationMillis() >= 0);
    assertEquals(10, recipe.modelHash().length());
  }

  @Test
  void listSearchRebuildAndExport() throws Exception {
    Path lib = dir.resolve("lib");
    try (Library l = Library.open(lib)) {
      l.save(1, 1, new byte[3], recipe("a tall lighthouse", 1));
      l.save(1, 1, new byte[3], recipe("a small boat", 2));
    }
    Run list = cli("library", "--library", lib.toString(), "list");
    assertEquals(0, list.code(), list.err());
    List<String> rows = list.out().lines().toList();
    assertEquals(3, rows.size(), list.out()); // a header, then one row per image, newest first
    assertTrue(rows.get(0).matches("DATE +SEED +STEPS +SAMPLER +PROMPT +FILE"), rows.get(0));
    assertTrue(
        rows.get(1)
            .matches(
                "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +2 +4 +ddim +a small boat +/.*_seed2\\.png"),
        rows.get(1));
    assertEquals(rows.get(0).indexOf("FILE"), rows.get(2).indexOf(lib.toString()), "aligned");
    Run paths = cli("library", "list", "--library", lib.toString(), "--paths");
    assertTrue(paths.out().lines().allMatch(l -> l.startsWith(lib.toString())), paths.out());
    Run details = cli("library", "list", "--library", lib.toString(), "--details");
    assertTrue(details.out().contains("\tm1\t2\ta small boat"), details.out());
    Run search = cli("library", "search", "--library", lib.toString(), "LIGHT", "--paths");
    assertEquals(1, search.out().lines().count(), search.out());
    assertTrue(search.out().contains("_seed1.png"), search.out());
    Run none = cli("library", "search", "--library", lib.toString(), "whale");
    assertEquals(0, none.code());
    assertEquals("", none.out(), "no line for a script to read");
    assertEquals("No images match \"whale\".\n", none.err());

    Files.delete(lib.resolve(".stepwise/library.db"));
    Run rebuild = cli("library", "rebuild", "--library", lib.toString());
    assertEquals(0, rebuild.code(), rebuild.err());
    assertTrue(rebuild.out().startsWith("2 images indexed"), rebuild.out());

    Path zip = dir.resolve("boat.zip");
    Run export =
        cli("library", "export", "--library", lib.toString(), "--zip", zip.toString(), "boat");
    assertEquals(0, export.code(), export.err());
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertEquals(1, z.size());
    }
    Run copy =
        cli(
            "library",
            "export",
            "--library",
            lib.toString(),
            "--to",
            dir.resolve("copies").toString());
    assertEquals(0, copy.code(), copy.err());
    try (var s = Files.list(dir.resolve("copies"))) {
      assertEquals(2, s.count());
    }
  }

  @Test
  void emptyTrashRemovesDeletedImagesForGood() throws Exception {
    Path lib = dir.resolve("lib");
    try (var library = dev.stepwise.gallery.Library.open(lib)) {
      var img = library.save(1, 1, new byte[3], recipe("to delete", 1));
      library.delete(java.util.List.of(img.id()));
    }
    Run keep = cli("library", "empty-trash", "--library", lib.toString(), "--older-than-days", "1");
    assertEquals(0, keep.code(), keep.err());
    assertTrue(keep.out().startsWith("removed 0 deleted images"), keep.out());
    Run all = cli("library", "empty-trash", "--library", lib.toString());
    assertEquals(0, all.code(), all.err());
    assertTrue(all.out().startsWith("removed 1 deleted image "), all.out());
    try (var s = Files.list(lib.resolve(".stepwise/trash"))) {
      assertEquals(0, s.count());
    }
    Run bad = cli("library", "empty-trash", "--library", lib.toString(), "--older-than-days", "-3");
    assertEquals(2, bad.code());
    assertEquals(1, bad.err().strip().lines().count(), bad.err());
    assertTrue(bad.err().contains("--older-than-days -3"), bad.err());
  }

  @Tag("hostile")
  @Test
  void badInputIsOneLineWithTheRightExitCode() throws Exception {
    Path lib = dir.resolve("lib");
    Run noWords = cli("library", "search", "--library", lib.toString());
    assertEquals(2, noWords.code());
    assertEquals(1, noWords.err().strip().lines().count(), noWords.err());
    Run noTarget = cli("library", "export", "--library", lib.toString());
    assertEquals(2, noTarget.code());
    assertEquals(1, noTarget.err().strip().lines().count(), noTarget.err());
    Run badLimit = cli("library", "list", "--library", lib.toString(), "--limit", "0");
    assertEquals(2, badLimit.code());
    assertTrue(badLimit.err().contains("--limit 0"), badLimit.err());
    Path file = dir.resolve("a-file");
    Files.writeString(file, "x");
    Run notFolder = cli("library", "list", "--library", file.toString());
    assertEquals(1, notFolder.code());
    assertEquals(1, notFolder.err().strip().lines().count(), notFolder.err());
    assertFalse(notFolder.err().contains("Exception"), notFolder.err());
    Run generate =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "x",
            "--steps",
            "2",
            "--library",
            file.toString());
    assertEquals(1, generate.code());
    assertEquals(1, generate.err().strip().lines().count(), generate.err());
    assertTrue(generate.err().contains(file.toString()), generate.err());
    assertEquals("", generate.out());
  }

  @Tag("hostile")
  @Test
  void promptsAndFileNamesCannotDriveTheTerminal() throws Exception {
    Path lib = dir.resolve("lib");
    try (Library l = Library.open(lib)) {
      Path saved =
          l.save(1, 1, new byte[3], recipe("red\u001b]0;pwned\u0007 heart\u001b[2J\tend", 1))
              .file();
      Files.move(saved, saved.resolveSibling("evil\u001b[2Jname\nsecond.png"));
      l.scan();
    }
    Run details = cli("library", "list", "--library", lib.toString(), "--details");
    assertEquals(0, details.code(), details.err());
    assertFalse(
        details.out().contains("\u001b") || details.out().contains("\u0007"), details.out());
    assertEquals(1, details.out().lines().count(), "one record, one line: " + details.out());
    assertTrue(details.out().contains("red\\x1b]0;pwned\\x07 heart\\x1b[2J\\tend"), details.out());
    assertTrue(details.out().contains("evil\\x1b[2Jname\\x0asecond.png"), details.out());
    assertEquals(5, details.out().strip().split("\t").length, "five fields: " + details.out());
  }

  static Recipe recipe(String prompt, long seed) {
    return new Recipe(
        prompt, "", "m1", null, "ddim", false, 4, 3, 0, seed, 1, 1, -1, null, null, Map.of());
  }
}
