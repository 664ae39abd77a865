package dev.stepwise.app.timeline;

import dev.stepwise.files.UserDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The user's pictures folder, where exports are offered: XDG_PICTURES_DIR from the XDG config
 * folder's user-dirs.dirs (what {@code xdg-user-dir PICTURES} prints), else from the environment,
 * else ~/Pictures, else home; a named folder that does not exist is skipped.
 */
public final class PicturesFolder {
  private static final String KEY = "XDG_PICTURES_DIR=";

  private PicturesFolder() {}

  /** The pictures folder of this process's user. */
  public static Path find() {
    String home = System.getProperty("user.home");
    return find(System.getenv(), home, UserDirs.config(System.getenv(), home));
  }

  /** The pictures folder for the environment {@code env}, {@code home} and config folder. */
  public static Path find(Map<String, String> env, String home, Path config) {
    Path named = null;
    Path file = config.resolve("user-dirs.dirs");
    try {
      if (Files.isRegularFile(file) && Files.size(file) < 65536) { // a few lines; never a big file
        for (String line : Files.readAllLines(file)) {
          if (line.strip().startsWith(KEY)) {
            named = parse(line.strip().substring(KEY.length()), home); // the last one wins
          }
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      named = null; // unreadable: as if absent
    }
    named = named != null ? named : parse(env.get("XDG_PICTURES_DIR"), home);
    if (named != null && Files.isDirectory(named)) {
      return named;
    }
    Path pictures = Path.of(home, "Pictures");
    return Files.isDirectory(pictures) ? pictures : Path.of(home);
  }

  /** "$HOME/Pictures" or an absolute path, quoted or not; null for anything else. */
  static Path parse(String value, String home) {
    String v = value == null ? "" : value.strip().replaceAll("^\"(.*)\"$", "$1");
    v = v.equals("$HOME") || v.startsWith("$HOME/") ? home + v.substring(5) : v;
    try {
      return v.startsWith("/") ? Path.of(v).normalize() : null;
    } catch (java.nio.file.InvalidPathException e) {
      return null;
    }
  }
}
