package dev.stepwise.gallery;

import java.nio.file.Path;

/**
 * A second process for the concurrency and crash tests: saves {@code n} images into a library,
 * printing one line per saved image.
 */
public final class LibraryWriterMain {
  private LibraryWriterMain() {}

  /** Arguments: library folder, image count, prompt word. */
  public static void main(String[] args) {
    int n = Integer.parseInt(args[1]);
    try (Library lib = Library.open(Path.of(args[0]))) {
      for (int i = 0; i < n; i++) {
        lib.save(8, 8, GalleryTestData.pixels(i), GalleryTestData.recipe(args[2] + " image", i));
        System.out.println("saved " + i);
        System.out.flush();
      }
    }
  }
}
