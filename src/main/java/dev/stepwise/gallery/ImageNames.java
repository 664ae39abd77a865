package dev.stepwise.gallery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Readable, collision-free file names for library images: {@code 2026-11-27_142501_seed1234.png},
 * then {@code ..._2.png}, {@code ..._3.png} when taken. Callers hold the library's write lock.
 */
final class ImageNames {
  /** Local date and time as they appear in names. */
  static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd_HHmmss");

  private ImageNames() {}

  /** Returns the base name (without {@code .png}) for a recipe. */
  static String base(Recipe r) {
    Instant when = r.createdAt() == null ? Instant.now() : r.createdAt();
    return STAMP.format(LocalDateTime.ofInstant(when, ZoneId.systemDefault())) + "_seed" + r.seed();
  }

  /** Returns a path in {@code folder} that does not exist yet for the recipe's name. */
  static Path free(Path folder, Recipe r) {
    return free(folder, r, base(r) + ".png");
  }

  /** Returns {@code name} in {@code folder}, or the first free {@code _N} variant of it. */
  static Path free(Path folder, Recipe unused, String name) {
    String stem =
        name.toLowerCase(java.util.Locale.ROOT).endsWith(".png")
            ? name.substring(0, name.length() - 4)
            : name;
    Path p = folder.resolve(stem + ".png");
    for (int n = 2; Files.exists(p); n++) {
      p = folder.resolve(stem + "_" + n + ".png");
    }
    return p;
  }
}
