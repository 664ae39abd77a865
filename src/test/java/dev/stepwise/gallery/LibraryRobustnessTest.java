package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.pixels;
import static dev.stepwise.gallery.GalleryTestData.recipe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.MetadataException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crashes, concurrent writers and damaged indexes: no image or recipe is ever lost. */
@Tag("hostile")
class LibraryRobustnessTest {
  @TempDir Path dir;

  @Test
  void crashBetweenTemporaryWriteAndMoveLeavesNoFileAndNoRow() throws Exception {
    try (Library lib = Library.open(dir)) {
      lib.beforeMove =
          () -> {
            throw new IllegalStateException("simulated crash");
          };
      assertThrows(MetadataException.class, () -> lib.save(8, 8, pixels(1), recipe("x", 1)));
      assertEquals(0, lib.count());
      assertEquals(List.of(), LibraryScanner.listPngs(dir));
      assertEquals(0, countPending());
    }
    // a hard crash leaves the temporary file: it is hidden, never indexed, and cleaned up later
    Path leftover = dir.resolve(".stepwise/pending-1234.png");
    Files.write(leftover, GalleryTestData.png());
    Files.setLastModifiedTime(leftover, FileTime.fromMillis(System.currentTimeMillis() - 120_000));
    try (Library lib = Library.open(dir)) {
      assertEquals(0, lib.count());
      assertTrue(Files.notExists(leftover));
    }
  }

  @Test
  void twoLibrariesWritingAtOnceLoseNothing() throws Exception {
    int perThread = 15;
    try (Library a = Library.open(dir);
        Library b = Library.open(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> jobs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Library lib = t % 2 == 0 ? a : b;
        jobs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    lib.save(
                        8, 8, pixels(i), recipe("same name for all", 7)); // every name collides
                  }
                  return null;
                }));
      }
      for (Future<?> f : jobs) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(4 * perThread, a.count());
      assertEquals(4 * perThread, b.count());
      assertEquals(4 * perThread, LibraryScanner.listPngs(dir).size());
    }
  }

  @Test
  void anotherProcessWritingAtOnceLosesNothing() throws Exception {
    int n = 40;
    Process child = startWriter("child", n);
    BufferedReader childOut =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    assertNotNull(childOut.readLine()); // the child is writing: start writing alongside it
    try (Library lib = Library.open(dir)) {
      for (int i = 0; i < n; i++) {
        lib.save(8, 8, pixels(i), recipe("parent image", i));
      }
      while (childOut.readLine() != null) {
        // drain the child's output so that it never blocks on a full pipe
      }
      assertTrue(child.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, child.exitValue(), new String(child.getErrorStream().readAllBytes()));
      lib.scan();
      assertEquals(n, lib.find(LibraryQuery.search("child")).size());
      assertEquals(n, lib.find(LibraryQuery.search("parent")).size());
      assertEquals(2 * n, LibraryScanner.listPngs(dir).size());
    }
  }

  @Test
  void killingAWriterMidBatchLeavesNoHalfFileAndNoOrphanRow() throws Exception {
    Process child = startWriter("killed", 100_000);
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (int i = 0; i < 15; i++) {
        assertNotNull(out.readLine(), "the writer stopped early");
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    try (Library lib = Library.open(dir)) {
      assertTrue(lib.openReport().skipped().isEmpty(), lib.openReport().skipped().toString());
      List<LibraryImage> all = lib.find(LibraryQuery.ALL);
      assertTrue(all.size() >= 15);
      assertEquals(LibraryScanner.listPngs(dir).size(), all.size());
      for (LibraryImage img : all) {
        assertTrue(Files.exists(img.file()));
        assertEquals(recipe("killed image", img.recipe().seed()), img.recipe());
        assertEquals(img.recipe(), ImageParameters.read(img.file()).recipe());
      }
    }
  }

  @Test
  void corruptIndexIsMovedAsideAndRebuiltWithEveryRecipe() throws Exception {
    Map<String, Recipe> saved;
    try (Library lib = Library.open(dir)) {
      for (int i = 0; i < 5; i++) {
        lib.save(8, 8, pixels(i), recipe("prompt " + i, i));
      }
      saved = recipesByName(lib);
    }
    Path db = dir.resolve(".stepwise/library.db");
    byte[] garbage = new byte[8192];
    new java.util.Random(1).nextBytes(garbage);
    Files.write(db, garbage);
    try (Library lib = Library.open(dir)) {
      String aside = lib.openReport().recoveredIndex();
      assertNotNull(aside);
      assertTrue(Files.exists(Path.of(aside)));
      assertEquals(5, lib.openReport().added());
      assertEquals(saved, recipesByName(lib));
    }
    Files.delete(db);
    try (Library lib = Library.open(dir)) {
      assertNull(lib.openReport().recoveredIndex()); // missing is not corrupt: just rebuilt
      assertEquals(saved, recipesByName(lib));
      assertEquals(1, lib.find(LibraryQuery.search("prompt 3")).size());
    }
  }

  @Test
  void indexOfAnotherSchemaVersionIsRebuilt() throws Exception {
    try (Library lib = Library.open(dir)) {
      lib.save(8, 8, pixels(1), recipe("fox", 1));
    }
    try (var c =
        java.sql.DriverManager.getConnection(
            "jdbc:sqlite:" + dir.resolve(".stepwise/library.db"))) {
      c.createStatement().execute("PRAGMA user_version = 99");
    }
    try (Library lib = Library.open(dir)) {
      assertNotNull(lib.openReport().recoveredIndex());
      assertEquals(1, lib.count());
    }
  }

  private Map<String, Recipe> recipesByName(Library lib) {
    return lib.find(LibraryQuery.ALL).stream()
        .collect(Collectors.toMap(LibraryImage::name, LibraryImage::recipe));
  }

  private long countPending() throws Exception {
    try (var s = Files.list(dir.resolve(".stepwise"))) {
      return s.filter(p -> p.getFileName().toString().contains("pending")).count();
    }
  }

  private Process startWriter(String word, int n) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
    for (String p : new String[] {"org.sqlite.tmpdir", "java.io.tmpdir"}) {
      if (System.getProperty(p) != null) {
        cmd.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    cmd.addAll(
        List.of(LibraryWriterMain.class.getName(), dir.toString(), Integer.toString(n), word));
    return new ProcessBuilder(cmd).start();
  }
}
