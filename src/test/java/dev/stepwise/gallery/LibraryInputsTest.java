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

  @Test
  void theRecipeKeysNameTheCopiesOrOnlyTheHashesWithoutALibrary() throws Exception {
    byte[] image = {1, 2, 3, 4, 5, 6};
    byte[] mask = {0, 0, 0, (byte) 255, (byte) 255, (byte) 255};
    var hashes = LibraryInputs.keys(null, 2, 1, image, mask);
    assertEquals(
        java.util.List.of("Init image", "Mask image"), java.util.List.copyOf(hashes.keySet()));
    assertEquals(LibraryInputs.hash(2, 1, image), hashes.get("Init image"));
    assertEquals(LibraryInputs.hash(2, 1, mask), hashes.get("Mask image"));
    assertEquals(
        java.util.Map.of("Init image", hashes.get("Init image")),
        LibraryInputs.keys(null, 2, 1, image, null));
    try (Library lib = Library.open(dir.resolve("lib"))) {
      assertEquals(hashes, LibraryInputs.keys(lib, 2, 1, image, mask));
      assertTrue(Files.isRegularFile(lib.input(hashes.get("Mask image"))));
      assertTrue(Files.isRegularFile(lib.input(hashes.get("Init image"))));
    }
  }
}
