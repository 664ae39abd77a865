package dev.stepwise.gallery;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One image of the library as the index knows it.
 *
 * @param id the index's id, stable until the image is deleted or the index rebuilt from scratch
 * @param file the PNG file, absolute
 * @param recipe the recipe read from the file, or null for a PNG that holds none Stepwise reads
 * @param notice why the recipe is missing or what was substituted, or null
 * @param createdAt when the image was made (the recipe's time, else the file's)
 * @param favourite whether the user marked it
 * @param sizeBytes the file's size when indexed
 */
public record LibraryImage(
    long id,
    Path file,
    Recipe recipe,
    String notice,
    Instant createdAt,
    boolean favourite,
    long sizeBytes) {

  /** Returns the file's name, such as {@code 2026-11-27_142501_seed1234.png}. */
  public String name() {
    return file.getFileName().toString();
  }
}
