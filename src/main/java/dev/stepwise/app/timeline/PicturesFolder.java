package dev.stepwise.app.timeline;

import dev.stepwise.files.UserDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The user's pictures folder, where the timeline's exports are offered first: the {@code
 * XDG_PICTURES_DIR} of {@code user-dirs.dirs} in the XDG config folder (what {@code xdg-user-dir
 * PICTURES} prints; see xdg-user-dirs' user-dirs.dirs(5)), else that variable in the environment,
 * else {@code ~/Pictures} when it exists, else the home folder. A named folder that does not exist
 * is skipped.
 */
public final class PicturesFolder {
  private static final String KEY = "XDG_PICTURES_DIR";

  /** user-dirs.dirs is a few lines; a larger file is not one and is not read. */
  private static final long MAX_FILE = 64 * 1024;

  private PicturesFolder() {}

  /** The pictures folder of this process's user. */
  public static Path find() {
    String home = System.getProperty("user.home");
    return find(System.getenv(), home, UserDirs.config(System.getenv(), home));
  }

  /** The pictures folder for the environment {@code env}, {@code home} and config folder. */
  public static Path find(Map<String, String> env, String home, Path config) {
    Path named = fromFile(config.resolve("user-dirs.dirs"), home);
    if (named == null) {
      named = parse(env.get(KEY), home);
    }
    if (named != null && Files.isDirectory(named)) {
      return named;
    }
    Path pictures = Path.of(home, "Pictures");
    return Files.isDirectory(pictures) ? pictures : Path.of(home);
  }

  /** The folder {@code file} names for pictures, or null when it names none (or is unreadable). */
  private static Path fromFile(Path file, String home) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE) {
        return null;
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      Path found = null;
      for (String line : lines) {
        String t = line.strip();
        if (t.startsWith(KEY + "=")) {
          found = parse(t.substring(KEY.length() + 1), home); // the last one wins, as in a shell
        }
      }
      return found;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A value as user-dirs.dirs writes it: {@code "$HOME/Pictures"} or an absolute path, in double
   * quotes or not; null for anything else.
   */
  static Path parse(String value, String home) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.equals("$HOME") || v.startsWith("$HOME/")) {
      v = home + v.substring("$HOME".length());
    }
    try {
      Path p = Path.of(v);
      return v.isEmpty() || !p.isAbsolute() ? null : p.normalize();
    } catch (InvalidPathException e) {
      return null;
    }
  }
}
