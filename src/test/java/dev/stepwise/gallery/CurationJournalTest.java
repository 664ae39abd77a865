package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.pixels;
import static dev.stepwise.gallery.GalleryTestData.recipe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.files.AtomicWrite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Favourites, galleries and tags survive an index that is corrupt, deleted or replaced. */
class CurationJournalTest {
  @TempDir Path dir;

  /** Saves three images; the first is a favourite in "cats" tagged "best", the second in "dogs". */
  private Map<String, Long> curatedLibrary() {
    try (Library lib = Library.open(dir)) {
      long a = lib.save(8, 8, pixels(1), recipe("cat one", 1)).id();
      long b = lib.save(8, 8, pixels(2), recipe("dog two", 2)).id();
      lib.save(8, 8, pixels(3), recipe("plain three", 3));
      lib.setFavourite(a, true);
      lib.addToGallery("cats", List.of(a));
      lib.addToGallery("dogs", List.of(b));
      lib.addToGallery("empty for now", List.of());
      lib.tag(a, "Best");
      return idsByPrompt(lib);
    }
  }

  private static Map<String, Long> idsByPrompt(Library lib) {
    return lib.find(LibraryQuery.ALL).stream()
        .collect(Collectors.toMap(i -> i.recipe().prompt(), LibraryImage::id));
  }

  private void assertCurationIsBack(Library lib) {
    Map<String, Long> ids = idsByPrompt(lib);
    assertTrue(lib.get(ids.get("cat one")).favourite());
    assertFalse(lib.get(ids.get("dog two")).favourite());
    assertEquals(List.of("cats"), lib.galleriesOf(ids.get("cat one")));
    assertEquals(List.of("dogs"), lib.galleriesOf(ids.get("dog two")));
    assertEquals(List.of("cats", "dogs", "empty for now"), lib.galleries());
    assertEquals(List.of("best"), lib.tags(ids.get("cat one")));
    assertEquals(List.of(), lib.tags(ids.get("plain three")));
  }

  @Test
  void corruptIndexGetsItsCurationBackFromTheJournal() throws Exception {
    curatedLibrary();
    byte[] garbage = new byte[8192];
    new Random(3).nextBytes(garbage);
    Files.write(dir.resolve(".stepwise/library.db"), garbage);
    try (Library lib = Library.open(dir)) {
      assertNotNull(lib.openReport().recoveredIndex());
      assertCurationIsBack(lib);
    }
  }

  @Test
  void deletedIndexGetsItsCurationBack() throws Exception {
    curatedLibrary();
    Files.delete(dir.resolve(".stepwise/library.db"));
    try (Library lib = Library.open(dir)) {
      assertCurationIsBack(lib);
    }
  }

  @Test
  void removalsReachTheJournalSoARebuildDoesNotResurrectThem() throws Exception {
    Map<String, Long> ids = curatedLibrary();
    try (Library lib = Library.open(dir)) {
      lib.setFavourite(ids.get("cat one"), false);
      lib.untag(ids.get("cat one"), "best");
      lib.deleteGallery("dogs");
      lib.removeFromGallery("cats", List.of(ids.get("cat one")));
      lib.deleteGallery("empty for now");
      lib.deleteGallery("cats");
    }
    Files.delete(dir.resolve(".stepwise/library.db"));
    try (Library lib = Library.open(dir)) {
      Map<String, Long> now = idsByPrompt(lib);
      assertFalse(lib.get(now.get("cat one")).favourite());
      assertEquals(List.of(), lib.galleries());
      assertEquals(List.of(), lib.tags(now.get("cat one")));
    }
  }

  @Test
  void aDeletedImageLeavesTheJournalAndAnUndoPutsItBack() throws Exception {
    Map<String, Long> ids = curatedLibrary();
    try (Library lib = Library.open(dir)) {
      DeletedImages gone = lib.delete(List.of(ids.get("cat one")));
      CurationJournal.Curation c = CurationJournal.read(dir.resolve(".stepwise")).orElseThrow();
      assertEquals(List.of(), c.favourites(), journal());
      assertEquals(List.of(), c.galleries().get("cats"), journal());
      assertTrue(c.tags().isEmpty(), journal());
      lib.undoDelete(gone);
    }
    Files.delete(dir.resolve(".stepwise/library.db"));
    try (Library lib = Library.open(dir)) {
      assertCurationIsBack(lib);
    }
  }

  @Test
  void aDamagedOrLyingJournalIsIgnoredAndTheLibraryOpens() throws Exception {
    curatedLibrary();
    Path file = dir.resolve(".stepwise").resolve(CurationJournal.FILE);
    String[] bad = {
      "not json at all {",
      "[1, 2, 3]",
      "{\"format\": \"something else\", \"formatVersion\": 1, \"favourites\": []}",
      "{\"format\": \"stepwise-curation\", \"formatVersion\": 2, \"favourites\": []}",
      "{\"format\": \"stepwise-curation\", \"formatVersion\": 1, \"favourites\": {\"a\": 1},"
          + " \"galleries\": [\"x\"], \"tags\": {\"f.png\": \"not a list\"}}",
      "{\"format\": \"stepwise-curation\", \"formatVersion\": 1, \"favourites\":"
          + " [\"../../etc/passwd\", 7, null], \"galleries\": {\""
          + "g".repeat(300)
          + "\": [\"x.png\"]}, \"tags\": {\"x.png\": [\""
          + "t".repeat(150)
          + "\"]}}",
    };
    for (String text : bad) {
      Files.writeString(file, text, StandardCharsets.UTF_8);
      Files.delete(dir.resolve(".stepwise/library.db"));
      try (Library lib = Library.open(dir)) {
        assertEquals(3, lib.count(), text);
        assertEquals(List.of(), lib.galleries(), text);
        assertTrue(lib.find(LibraryQuery.ALL).stream().noneMatch(LibraryImage::favourite), text);
      }
    }
  }

  @Test
  void aJournalOverTheSizeLimitIsNotRead() throws Exception {
    curatedLibrary();
    Path file = dir.resolve(".stepwise").resolve(CurationJournal.FILE);
    try (var ch =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {' '}), CurationJournal.MAX_BYTES + 1);
    }
    assertTrue(CurationJournal.read(dir.resolve(".stepwise")).isEmpty());
  }

  @Test
  void theJournalIsPlainSortedJsonByFileName() throws Exception {
    curatedLibrary();
    String text = journal();
    assertTrue(text.contains("\"format\": \"stepwise-curation\""), text);
    CurationJournal.Curation c = CurationJournal.read(dir.resolve(".stepwise")).orElseThrow();
    assertEquals(1, c.favourites().size());
    assertTrue(c.favourites().get(0).endsWith(".png"), c.favourites().toString());
    assertEquals(List.of("cats", "dogs", "empty for now"), List.copyOf(c.galleries().keySet()));
    assertEquals(List.of(), c.galleries().get("empty for now"));
    assertEquals(List.of("best"), c.tags().get(c.favourites().get(0)));
    try (var s = Files.list(dir.resolve(".stepwise"))) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".pending-curation")));
    }
  }

  @Test
  void noTemporaryFileIsLeftBesideTheJournalAndACrashedOneIsCleanedUp() throws Exception {
    curatedLibrary();
    Path meta = dir.resolve(".stepwise");
    try (var s = Files.list(meta)) {
      assertTrue(s.noneMatch(AtomicWrite::isTemporary));
    }
    // what a crash in the middle of a journal write leaves: removed once it is a minute old
    Path stale = meta.resolve("." + CurationJournal.FILE + ".0123456789ab.tmp");
    Path fresh = meta.resolve("." + CurationJournal.FILE + ".ba9876543210.tmp");
    assertTrue(AtomicWrite.isTemporary(stale));
    Files.writeString(stale, "{\"half");
    Files.writeString(fresh, "{\"being written");
    Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 120_000));
    try (Library lib = Library.open(dir)) {
      assertFalse(Files.exists(stale));
      assertTrue(Files.exists(fresh), "a temporary file that may still be written is kept");
      assertCurationIsBack(lib);
    }
  }

  private String journal() throws Exception {
    return Files.readString(dir.resolve(".stepwise").resolve(CurationJournal.FILE));
  }
}
