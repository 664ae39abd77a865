package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.pixels;
import static dev.stepwise.gallery.GalleryTestData.recipe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stepwise.metadata.MetadataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 20: file names, PNGs and disks that work against the library. */
@Tag("hostile")
class HostileFilesTest {
  @TempDir Path dir;

  /**
   * Copies {@code source} to a file in the same folder named {@code bad<0xff>.png}, a name that is
   * not valid UTF-8; Java cannot spell such a name, so the shell makes it. Returns the new file as
   * listed, or skips the test where the platform cannot make one.
   */
  static Path copyToUndecodableName(Path source) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
    // the source's name is ASCII, so it passes through the shell unchanged
    Process p =
        new ProcessBuilder(
                "/bin/sh",
                "-c",
                "cp \"$1\" \"$(printf 'bad\\377.png')\"",
                "sh",
                source.getFileName().toString())
            .directory(source.getParent().toFile())
            .redirectErrorStream(true)
            .start();
    assumeTrue(p.waitFor() == 0, "the file system refused a name that is not UTF-8");
    try (Stream<Path> s = Files.list(source.getParent())) {
      List<Path> bad =
          s.filter(f -> f.getFileName().toString().startsWith("bad")).collect(Collectors.toList());
      assumeTrue(bad.size() == 1);
      Path f = bad.get(0);
      boolean roundTrips;
      try {
        roundTrips = Path.of(f.toString()).equals(f);
      } catch (InvalidPathException e) {
        roundTrips = false;
      }
      assumeTrue(!roundTrips, "this platform spells every name");
      return f;
    }
  }

  @Test
  void aNameThatIsNotUtf8IsNamedOnceAndNeverBreaksAnExport() throws Exception {
    Path folder = dir.resolve("lib");
    long good;
    Path bad;
    try (Library lib = Library.open(folder)) {
      good = lib.save(8, 8, pixels(1), recipe("good", 1)).id();
      bad = copyToUndecodableName(lib.get(good).file());
      ScanReport scan = lib.scan();
      assertEquals(0, scan.added());
      assertEquals(1, scan.skipped().size(), scan.skipped().toString());
      assertTrue(
          scan.skipped()
              .get(0)
              .startsWith("The file bad\uFFFD.png is not indexed: its name is not"),
          scan.skipped().get(0));
      assertEquals(List.of(), lib.scan().skipped()); // remembered: not read or reported again
      assertEquals(1, lib.rebuild().skipped().size()); // a rebuild reads every file again
    }
    try (Library lib = Library.open(folder)) {
      List<Long> ids =
          lib.find(LibraryQuery.ALL).stream().map(LibraryImage::id).collect(Collectors.toList());
      assertEquals(List.of(good), ids);
      Path out = dir.resolve("out");
      assertEquals(1, lib.exportCopy(ids, out).size());
      Path zip = lib.exportZip(ids, dir.resolve("all.zip"), false);
      try (ZipFile z = new ZipFile(zip.toFile())) {
        assertEquals(1, z.size());
      }
    }
    assertTrue(Files.exists(bad)); // the user's file is never touched
  }

  @Test
  void aRowForANameThatIsNotUtf8FromAnOlderVersionIsDropped() throws Exception {
    Path folder = dir.resolve("lib");
    try (Library lib = Library.open(folder)) {
      long good = lib.save(8, 8, pixels(1), recipe("good", 1)).id();
      Path bad = copyToUndecodableName(lib.get(good).file());
      // what versions before issue 20, item 7 stored: the name with a replacement character
      lib.indexWrite(
          List.of(
              new LibraryIndex.Row(
                  lib.relative(bad), Files.size(bad), 0, java.time.Instant.now(), null, null)),
          List.of());
      assertEquals(2, lib.count());
      ScanReport scan = lib.scan();
      assertEquals(1, scan.removed());
      assertEquals(1, lib.count());
      lib.exportCopy(List.of(good), dir.resolve("out"));
    }
  }

  @Test
  void anImageThatCannotBeReadIsNamedAfterTheOthersAreExported() throws Exception {
    try (Library lib = Library.open(dir.resolve("lib"))) {
      long a = lib.save(8, 8, pixels(1), recipe("a", 1)).id();
      long b = lib.save(8, 8, pixels(2), recipe("b", 2)).id();
      LibraryImage gone = lib.get(a);
      Files.delete(gone.file());
      Path out = dir.resolve("out");
      MetadataException e =
          assertThrows(MetadataException.class, () -> lib.exportCopy(List.of(a, b), out));
      assertEquals(
          "Copied 1 of 2 images into "
              + out
              + "; "
              + gone.name()
              + " (the file is gone) was left out because it cannot be read.",
          e.getMessage());
      assertEquals(List.of(lib.get(b).name()), names(out));
      Path zip = dir.resolve("z.zip");
      e = assertThrows(MetadataException.class, () -> lib.exportZip(List.of(a, b), zip, false));
      assertTrue(e.getMessage().startsWith("Wrote 1 of 2 images into " + zip), e.getMessage());
      try (ZipFile z = new ZipFile(zip.toFile())) {
        assertEquals(1, z.size());
      }
    }
  }

  @Test
  void aTargetThatFailsHalfWayKeepsNothingOfTheExport() throws Exception {
    try (Library lib = Library.open(dir.resolve("lib"))) {
      List<LibraryImage> images = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        images.add(lib.save(8, 8, pixels(i), recipe("x" + i, i)));
      }
      Path out = Files.createDirectories(dir.resolve("out"));
      Files.writeString(out.resolve("mine.txt"), "mine");
      int[] calls = {0};
      MetadataException e =
          assertThrows(
              MetadataException.class,
              () ->
                  LibraryExport.copy(
                      images,
                      out,
                      (in, dst) -> {
                        if (++calls[0] == 3) {
                          Files.write(dst, new byte[10]); // half a file, then the disk is full
                          throw new IOException("No space left on device");
                        }
                        Files.copy(in, dst);
                      }));
      assertEquals(
          "Cannot export into "
              + out
              + " (No space left on device); nothing of this export was left there, check that"
              + " the folder is writable and the disk has room.",
          e.getMessage());
      assertEquals(List.of("mine.txt"), names(out));
    }
  }

  /**
   * Issue 20, item 8: a crafted PNG cost its full read on every open, because nothing remembered
   * that it had been skipped. Now it is read once, again only when its size or time changes.
   */
  @Test
  void aDamagedPngIsReadOnceUntilItChanges() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("lib"));
    Path f = folder.resolve("damaged.png");
    byte[] whole = GalleryTestData.png();
    Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 5));
    try (Library lib = Library.open(folder)) {
      assertEquals(1, lib.openReport().skipped().size(), lib.openReport().toString());
    }
    try (Library lib = Library.open(folder)) {
      assertEquals(List.of(), lib.openReport().skipped()); // not read again
      assertEquals(1, lib.skippedStamps().size());
      Files.setLastModifiedTime(
          f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));
      assertEquals(1, lib.scan().skipped().size()); // changed: read again, still damaged
      Files.write(f, whole);
      ScanReport mended = lib.scan();
      assertEquals(1, mended.added());
      assertEquals(Map.of(), lib.skippedStamps()); // indexed now: no longer remembered
      Path other = Files.write(folder.resolve("other.png"), new byte[] {1, 2, 3});
      assertEquals(1, lib.scan().skipped().size());
      Files.delete(other);
      lib.scan();
      assertEquals(Map.of(), lib.skippedStamps()); // gone: forgotten
    }
  }

  /**
   * Issue 20, item 14: a full disk while the index was written said "cannot commit - no transaction
   * is active ... run 'stepwise library rebuild'". SQLite's own limit on the index size
   * (max_page_count) fails the write the way a full disk does (SQLITE_FULL).
   */
  @Test
  void aFullDiskWhileIndexingSaysSoAndLosesNothing() throws Exception {
    try (Library lib = Library.open(dir)) {
      long first = lib.save(8, 8, pixels(1), recipe("first", 1)).id();
      String pages = lib.strings("PRAGMA page_count").get(0);
      lib.strings("PRAGMA max_page_count = " + pages);
      MetadataException e =
          assertThrows(
              MetadataException.class,
              () -> lib.save(8, 8, pixels(2), recipe("second " + "x".repeat(20_000), 2)));
      assertTrue(
          e.getMessage().startsWith("The image " + dir.resolve("2026-11-27_142501_seed2.png")),
          e.getMessage());
      assertTrue(e.getMessage().contains("the disk is full"), e.getMessage());
      assertFalse(e.getMessage().contains("no transaction"), e.getMessage());
      assertFalse(e.getMessage().contains("rebuild"), e.getMessage());
      assertEquals(1, lib.count()); // the index is whole, and still usable
      assertEquals(List.of(first), ids(lib));
      lib.strings("PRAGMA max_page_count = 1000000");
      lib.setFavourite(first, true);
    }
    try (Library lib = Library.open(dir)) {
      assertEquals(2, lib.count()); // the saved image is indexed on the next open
      assertEquals(1, lib.openReport().added());
    }
  }

  /**
   * When SQLite rolls a transaction back by itself (as it may on SQLITE_FULL or SQLITE_IOERR), the
   * failure reported is SQLite's own, not the "cannot commit - no transaction is active" that
   * ending the transaction then produced. A trigger's RAISE(ROLLBACK) makes that rollback.
   */
  @Test
  void aRollbackSqliteMadeItselfKeepsItsOwnReason() throws Exception {
    try (Library lib = Library.open(dir)) {
      lib.sql(
          "CREATE TEMP TRIGGER refuse BEFORE INSERT ON images BEGIN"
              + " SELECT RAISE(ROLLBACK, 'simulated full disk'); END");
      MetadataException e =
          assertThrows(MetadataException.class, () -> lib.save(8, 8, pixels(1), recipe("a", 1)));
      assertTrue(e.getMessage().contains("simulated full disk"), e.getMessage());
      assertFalse(e.getMessage().contains("no transaction"), e.getMessage());
      lib.sql("DROP TRIGGER refuse");
      lib.save(8, 8, pixels(2), recipe("b", 2)); // the connection is usable again
      assertEquals(1, lib.count());
    }
  }

  private static List<Long> ids(Library lib) {
    return lib.find(LibraryQuery.ALL).stream().map(LibraryImage::id).collect(Collectors.toList());
  }

  private static List<String> names(Path folder) throws Exception {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
