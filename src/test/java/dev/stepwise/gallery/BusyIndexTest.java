package dev.stepwise.gallery;

import static dev.stepwise.gallery.GalleryTestData.pixels;
import static dev.stepwise.gallery.GalleryTestData.recipe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.MetadataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An index another program holds locked is busy, not damaged (issue 20, severe 4): the library says
 * so and changes nothing; before, it was moved aside as "damaged" and the other program's committed
 * rows were lost from the new index.
 */
@Tag("hostile")
class BusyIndexTest {
  @TempDir Path dir;
  private final int saved = LibraryIndex.busyTimeoutMillis;

  @AfterEach
  void restore() {
    LibraryIndex.busyTimeoutMillis = saved;
  }

  @Test
  void aLockedIndexIsReportedBusyAndKept() throws Exception {
    try (Library lib = Library.open(dir)) {
      lib.save(8, 8, pixels(1), recipe("a red fox", 1));
    }
    Path db = dir.resolve(Library.META_FOLDER).resolve("library.db");
    LibraryIndex.busyTimeoutMillis = 300;
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      MetadataException e = assertThrows(MetadataException.class, () -> Library.open(dir).close());
      assertTrue(e.getMessage().contains("in use by another program"), e.getMessage());
      s.execute("COMMIT");
    }
    try (Stream<Path> files = Files.list(dir.resolve(Library.META_FOLDER))) {
      assertEquals(
          0,
          files.filter(p -> p.getFileName().toString().contains("corrupt")).count(),
          "nothing was moved aside");
    }
    try (Library lib = Library.open(dir)) {
      assertEquals(1, lib.count(), "the index and its image are still there");
    }
  }
}
