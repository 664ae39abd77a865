package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pictures runs started from, kept once by hash and found again; never outside the folder. */
class LibraryInputsTest {
  @TempDir Path dir;

  @Test
  void aPictureIsKeptOnceUnderItsHashAndFoundAgain() throws Exception {
    byte[] rgb = {1, 2, 3, 4, 5, 6};
    try (Library lib = Library.open(dir.resolve("lib"))) {
      String hash = lib.keepInput(2, 1, rgb);
      assertTrue(hash.matches("[0-9a-f]{16}"), hash);
      assertEquals(hash, LibraryInputs.hash(2, 1, rgb));
      assertEquals(hash, lib.keepInput(2, 1, rgb));
      assertNotEquals(hash, LibraryInputs.hash(1, 2, rgb), "the size is part of the hash");
      Path file = lib.input(hash);
      assertEquals(dir.resolve("lib/.stepwise/inputs/" + hash + ".png").toRealPath(), file);
      try (var files = Files.list(file.getParent())) {
        assertEquals(1, files.count());
      }
      assertEquals(0, lib.count(), "inputs are no library images");
      assertNull(lib.input("0123456789abcdef"));
      assertNull(lib.input("../../etc/passwd"));
      assertNull(lib.input(null));
    }
  }
}
