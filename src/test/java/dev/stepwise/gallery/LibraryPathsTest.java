package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.pixels;
import static dev.stepwise.gallery.GalleryTestData.recipe;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile file names never lead the library out of its folder (issue 20, severe 1): on Linux a
 * backslash is part of a name, so {@code sub\..\..\victim.png} is one file inside the library.
 */
@Tag("hostile")
class LibraryPathsTest {
  @TempDir Path dir;

  @Test
  void aBackslashNameIsOneFileInsideTheLibraryAndOnlyItIsDeleted() throws Exception {
    Path lib = Files.createDirectories(dir.resolve("L"));
    Files.createDirectories(lib.resolve("sub"));
    byte[] victim;
    Path crafted = lib.resolve("sub\\..\\..\\victim.png");
    try (Library l = Library.open(lib)) {
      LibraryImage saved = l.save(8, 8, pixels(3), recipe("a red fox", 7));
      victim = Files.readAllBytes(saved.file());
      Files.write(dir.resolve("victim.png"), victim); // outside the library
      Files.move(saved.file(), crafted);
      l.scan();
      List<LibraryImage> all = l.find(LibraryQuery.ALL);
      assertEquals(1, all.size());
      LibraryImage img = all.get(0);
      assertEquals(crafted, img.file(), "listed as the file it is");
      assertTrue(img.file().startsWith(lib));
      l.delete(List.of(img.id()));
      assertFalse(Files.exists(crafted), "the crafted file went to the trash");
      l.emptyTrash(Duration.ZERO);
    }
    assertArrayEquals(
        victim, Files.readAllBytes(dir.resolve("victim.png")), "the file outside is untouched");
  }

  @Test
  void namesThatLeadOutOfTheLibraryAreRefused() throws Exception {
    Path lib = Files.createDirectories(dir.resolve("L")).toRealPath(); // as Library passes it
    Files.createDirectories(lib.resolve("a"));
    assertEquals(lib.resolve("a").resolve("x.png"), LibraryPaths.inside(lib, "a/x.png"));
    assertEquals(lib.resolve("sub\\..\\x.png"), LibraryPaths.inside(lib, "sub\\..\\x.png"));
    for (String bad :
        new String[] {
          "../x.png", "a/../../x.png", "/etc/passwd", "a//x.png", "./x.png", "", "a/\0.png"
        }) {
      assertNull(LibraryPaths.inside(lib, bad), bad);
    }
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(lib.resolve("link"), outside);
    assertNull(LibraryPaths.inside(lib, "link/x.png"), "a folder link out of the library");
  }

  @Test
  void relativeNamesKeepBackslashesAndJoinFoldersWithSlashes() {
    Path lib = dir.toAbsolutePath().normalize();
    assertEquals("a/b\\c.png", LibraryPaths.relative(lib, lib.resolve("a").resolve("b\\c.png")));
  }

  @Test
  void aLibraryFolderThatIsALinkIsScannedWhereItLeads() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    try (Library l = Library.open(link)) {
      LibraryImage a = l.save(8, 8, pixels(1), recipe("a red fox", 1));
      Files.copy(a.file(), real.resolve("dropped.png"));
      l.scan();
      assertEquals(2, l.count(), "a PNG dropped into the link's target is indexed");
    }
    Files.delete(real.resolve(Library.META_FOLDER).resolve("library.db"));
    try (Library l = Library.open(link)) {
      assertEquals(2, l.count(), "a lost index is rebuilt from the images behind the link");
    }
  }
}
