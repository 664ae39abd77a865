package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.pixels;
import static dev.stepwise.gallery.GalleryTestData.recipe;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.PngText;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibraryTest {
  @TempDir Path dir;

  @Test
  void savesReadableNamedPngWithBothChunksAndIndexesIt() throws Exception {
    try (Library lib = Library.open(dir)) {
      LibraryImage a = lib.save(8, 8, pixels(1), recipe("a red fox", 1234));
      LibraryImage b = lib.save(8, 8, pixels(1), recipe("a red fox", 1234));
      assertTrue(a.name().matches("\\d{4}-\\d\\d-\\d\\d_\\d{6}_seed1234\\.png"), a.name());
      assertEquals(a.name().replace(".png", "_2.png"), b.name()); // same second and seed
      Map<String, String> text = PngText.read(a.file());
      assertTrue(text.get("parameters").contains("Seed: 1234"));
      assertEquals(recipe("a red fox", 1234), RecipeJson.read(text.get(RecipeJson.KEYWORD)));
      assertEquals(recipe("a red fox", 1234), a.recipe());
      BufferedImage img = ImageIO.read(a.file().toFile());
      assertEquals(8, img.getWidth());
      assertEquals(2, lib.count());
    }
  }

  @Test
  void searchAndFiltersFindTheRightImages() {
    try (Library lib = Library.open(dir)) {
      long fox = lib.save(8, 8, pixels(1), recipe("a red fox in snow and ice", 1)).id();
      long cat = lib.save(8, 8, pixels(2), recipe("a black cat", 2)).id();
      Recipe other =
          new Recipe(
              "a red barn",
              "",
              "other-model",
              null,
              "ddim",
              false,
              5,
              3,
              0,
              3,
              8,
              8,
              -1,
              null,
              Instant.parse("2025-01-01T00:00:00Z"),
              Map.of());
      long barn = lib.save(8, 8, pixels(3), other).id();
      assertEquals(List.of(fox), ids(lib.find(LibraryQuery.search("fox"))));
      assertEquals(Set.of(fox, barn), Set.copyOf(ids(lib.find(LibraryQuery.search("RED")))));
      assertEquals(List.of(fox), ids(lib.find(LibraryQuery.search("red sno"))));
      assertEquals(List.of(), ids(lib.find(LibraryQuery.search("dog"))));
      assertEquals(3, lib.find(LibraryQuery.search("\" * ( :")).size()); // punctuation only
      assertEquals(
          List.of(fox), ids(lib.find(LibraryQuery.search("fox AND")))); // words, not syntax
      assertEquals(
          List.of(barn),
          ids(lib.find(new LibraryQuery(null, null, false, "other-model", null, null, 10))));
      assertEquals(
          List.of(barn),
          ids(
              lib.find(
                  new LibraryQuery(
                      null, null, false, null, null, Instant.parse("2026-01-01T00:00:00Z"), 10))));
      assertEquals(List.of("other-model", "tiny-sd"), lib.models());
      lib.setFavourite(cat, true);
      assertEquals(
          List.of(cat), ids(lib.find(new LibraryQuery(null, null, true, null, null, null, 10))));
      lib.addToGallery("Animals", List.of(fox, cat));
      assertEquals(List.of("Animals"), lib.galleries());
      assertEquals(
          Set.of(fox, cat),
          Set.copyOf(
              ids(lib.find(new LibraryQuery(null, "Animals", false, null, null, null, 10)))));
      assertEquals(
          List.of(fox),
          ids(lib.find(new LibraryQuery("fox", "Animals", false, null, null, null, 10))));
      lib.tag(fox, " Winter ");
      assertEquals(List.of("winter"), lib.tags(fox));
      assertThrows(MetadataException.class, () -> lib.addToGallery("  ", List.of(fox)));
    }
  }

  @Test
  void trashKeepsRecentDeletionsAndOpeningRemovesThoseOlderThanThirtyDays() throws Exception {
    Path trash = dir.resolve(".stepwise/trash");
    DeletedImages recent;
    try (Library lib = Library.open(dir)) {
      long a = lib.save(8, 8, pixels(1), recipe("old", 1)).id();
      long b = lib.save(8, 8, pixels(2), recipe("recent", 2)).id();
      lib.delete(List.of(a));
      recent = lib.delete(List.of(b));
    }
    // Age the first deletion past the retention: its name carries the deletion time.
    long old = System.currentTimeMillis() - Library.TRASH_KEEP.toMillis() - 60_000;
    Path oldFile;
    try (var s = Files.list(trash)) {
      oldFile =
          s.filter(p -> !p.equals(recent.items().get(0).trashFile())).findFirst().orElseThrow();
    }
    Path aged =
        trash.resolve(oldFile.getFileName().toString().replaceFirst("^d\\d+-", "d" + old + "-"));
    Files.move(oldFile, aged);
    // A legacy entry without a time in its name counts from its modification time.
    Path legacy = trash.resolve("0f0e-legacy.png");
    Files.write(legacy, new byte[] {1, 2, 3});
    Files.setLastModifiedTime(legacy, java.nio.file.attribute.FileTime.fromMillis(old));
    try (Library lib = Library.open(dir)) {
      assertFalse(Files.exists(aged));
      assertFalse(Files.exists(legacy));
      assertTrue(Files.exists(recent.items().get(0).trashFile()));
      assertEquals(1, lib.undoDelete(recent).size());
      assertEquals(1, lib.count());
      DeletedImages again = lib.delete(List.of(lib.find(LibraryQuery.ALL).get(0).id()));
      EmptiedTrash emptied = lib.emptyTrash(java.time.Duration.ZERO);
      assertEquals(1, emptied.files());
      assertTrue(emptied.bytes() > 0);
      assertEquals(List.of(), lib.undoDelete(again)); // gone for good: nothing to put back
      assertEquals(0, lib.count());
    }
  }

  @Test
  void deleteMovesToTrashAndUndoRestoresEverything() {
    try (Library lib = Library.open(dir)) {
      LibraryImage fox = lib.save(8, 8, pixels(1), recipe("fox", 1));
      lib.setFavourite(fox.id(), true);
      lib.addToGallery("Keep", List.of(fox.id()));
      lib.tag(fox.id(), "orange");
      DeletedImages gone = lib.delete(List.of(fox.id()));
      assertFalse(Files.exists(fox.file()));
      assertEquals(0, lib.count());
      assertEquals(0, lib.scan().added()); // the trash is never indexed
      List<LibraryImage> back = lib.undoDelete(gone);
      assertEquals(1, back.size());
      LibraryImage r = back.get(0);
      assertEquals(fox.file(), r.file());
      assertTrue(r.favourite());
      assertEquals(List.of("Keep"), lib.galleriesOf(r.id()));
      assertEquals(List.of("orange"), lib.tags(r.id()));
      assertEquals(fox.recipe(), r.recipe());
    }
  }

  @Test
  void exportsCopiesAndZip() throws Exception {
    try (Library lib = Library.open(dir.resolve("lib"))) {
      long a = lib.save(8, 8, pixels(1), recipe("a", 1)).id();
      long b = lib.save(8, 8, pixels(2), recipe("b", 1)).id();
      List<Path> copies = lib.exportCopy(List.of(a, b), dir.resolve("out"));
      assertEquals(2, copies.size());
      assertArrayEquals(Files.readAllBytes(lib.get(a).file()), Files.readAllBytes(copies.get(0)));
      Path zip = lib.exportZip(List.of(a, b), dir.resolve("z/all.zip"), false);
      try (ZipFile z = new ZipFile(zip.toFile())) {
        assertEquals(2, z.size());
        byte[] entry = z.getInputStream(z.getEntry(lib.get(b).name())).readAllBytes();
        assertEquals("b", ImageParameters.read(entry).recipe().prompt());
      }
    }
  }

  @Tag("hostile")
  @Test
  void aZipNeverReplacesAFolderALinkOrADeviceAndAFileOnlyWhenAsked() throws Exception {
    try (Library lib = Library.open(dir.resolve("lib"))) {
      long a = lib.save(8, 8, pixels(1), recipe("a", 1)).id();
      Path folder = Files.createDirectories(dir.resolve("a-folder.zip"));
      MetadataException e =
          assertThrows(MetadataException.class, () -> lib.exportZip(List.of(a), folder, true));
      assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
      assertTrue(Files.isDirectory(folder));
      Path target = Files.writeString(dir.resolve("keep.txt"), "mine");
      Path link = Files.createSymbolicLink(dir.resolve("link.zip"), target);
      assertThrows(MetadataException.class, () -> lib.exportZip(List.of(a), link, true));
      assertTrue(Files.isSymbolicLink(link));
      assertEquals("mine", Files.readString(target));
      Path existing = Files.writeString(dir.resolve("old.zip"), "old");
      e = assertThrows(MetadataException.class, () -> lib.exportZip(List.of(a), existing, false));
      assertTrue(e.getMessage().contains("already exists"), e.getMessage());
      assertEquals("old", Files.readString(existing));
      lib.exportZip(List.of(a), existing, true);
      try (ZipFile z = new ZipFile(existing.toFile())) {
        assertEquals(1, z.size());
      }
      if (Files.exists(Path.of("/dev/null"))) {
        assertThrows(
            MetadataException.class, () -> lib.exportZip(List.of(a), Path.of("/dev/null"), true));
        assertTrue(
            Files.exists(Path.of("/dev/null")) && !Files.isRegularFile(Path.of("/dev/null")));
      }
    }
  }

  @Test
  void thumbnailsAreSmallPngsAndCached() throws Exception {
    try (Library lib = Library.open(dir)) {
      byte[] big = new byte[400 * 200 * 3];
      Recipe r =
          new Recipe(
              "wide", "", null, null, "ddim", false, 5, 3, 0, 1, 400, 200, -1, null, null,
              Map.of());
      long id = lib.save(400, 200, big, r).id();
      byte[] t = lib.thumbnail(id);
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(t));
      assertEquals(Thumbnails.SIZE, img.getWidth());
      assertEquals(Thumbnails.SIZE / 2, img.getHeight());
      Files.delete(lib.get(id).file());
      assertArrayEquals(t, lib.thumbnail(id)); // served from the index
    }
  }

  @Test
  void scanIndexesDroppedChangedAndRemovedFiles() throws Exception {
    Path dropped = dir.resolve("sub/from-a1111.png");
    Files.createDirectories(dropped.getParent());
    Files.write(
        dropped,
        GalleryTestData.png(
            GalleryTestData.text(
                "tEXt",
                "parameters",
                "a lighthouse\nSteps: 9, Sampler: Euler a, CFG scale: 4, Seed: 8, Size: 1x1")));
    Files.write(dir.resolve("plain.png"), GalleryTestData.png());
    Files.write(dir.resolve("broken.png"), new byte[] {1, 2, 3});
    try (Library lib = Library.open(dir)) {
      ScanReport open = lib.openReport();
      assertEquals(2, open.added());
      assertEquals(1, open.skipped().size());
      assertTrue(open.skipped().get(0).contains("broken.png"), open.skipped().get(0));
      LibraryImage light = lib.find(LibraryQuery.search("lighthouse")).get(0);
      assertEquals(8, light.recipe().seed());
      LibraryImage plain =
          lib.find(LibraryQuery.ALL).stream()
              .filter(i -> i.name().equals("plain.png"))
              .findFirst()
              .orElseThrow();
      assertNull(plain.recipe());
      assertEquals(dev.stepwise.metadata.ForeignParameters.NONE, plain.notice());

      Files.write(
          dropped,
          GalleryTestData.png(
              GalleryTestData.text(
                  "tEXt",
                  "parameters",
                  "a windmill\nSteps: 9, Sampler: Euler a, CFG scale: 4, Seed: 8, Size: 1x1")));
      Files.setLastModifiedTime(dropped, FileTime.fromMillis(System.currentTimeMillis() + 5000));
      Files.delete(dir.resolve("plain.png"));
      ScanReport s = lib.scan();
      assertEquals(0, s.added());
      assertEquals(1, s.updated());
      assertEquals(1, s.removed());
      assertEquals(List.of(light.id()), ids(lib.find(LibraryQuery.search("windmill"))));
      assertEquals(List.of(), lib.find(LibraryQuery.search("lighthouse")));
    }
  }

  @Test
  void rebuildRereadsEveryFileAndKeepsFavourites() {
    try (Library lib = Library.open(dir)) {
      long id = lib.save(8, 8, pixels(1), recipe("fox", 1)).id();
      lib.save(8, 8, pixels(2), recipe("owl", 2));
      lib.setFavourite(id, true);
      ScanReport r = lib.rebuild();
      assertEquals(2, r.updated());
      assertTrue(lib.get(id).favourite());
    }
  }

  @Test
  void defaultFolderFollowsPropertyEnvironmentAndXdg() {
    assertEquals(Path.of("/p/lib"), LibraryLocation.resolve("/p/lib", Map.of(), "/home/u"));
    assertEquals(
        Path.of("/e/lib"),
        LibraryLocation.resolve(null, Map.of("STEPWISE_LIBRARY", "/e/lib"), "/home/u"));
    assertEquals(
        Path.of("/x/stepwise/library"),
        LibraryLocation.resolve(null, Map.of("XDG_DATA_HOME", "/x"), "/home/u"));
    assertEquals(
        Path.of("/home/u/.local/share/stepwise/library"),
        LibraryLocation.resolve(null, Map.of("XDG_DATA_HOME", "relative"), "/home/u"));
  }

  @Test
  void badPixelsAreRefusedAndLeaveNothing() throws Exception {
    try (Library lib = Library.open(dir)) {
      assertThrows(MetadataException.class, () -> lib.save(8, 8, new byte[5], recipe("x", 1)));
      assertEquals(0, lib.count());
      assertEquals(List.of(), LibraryScanner.listPngs(dir));
    }
  }

  static List<Long> ids(List<LibraryImage> images) {
    return images.stream().map(LibraryImage::id).collect(Collectors.toList());
  }
}
