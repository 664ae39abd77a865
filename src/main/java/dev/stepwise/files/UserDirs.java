package dev.stepwise.files;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one lookup of the user's base folders after the XDG Base Directory specification: config
 * ({@code $XDG_CONFIG_HOME}, else {@code ~/.config}), data ({@code $XDG_DATA_HOME}, else {@code
 * ~/.local/share}) and cache ({@code $XDG_CACHE_HOME}, else {@code ~/.cache}).
 *
 * <p>As the specification asks, a variable that is unset, blank or not an absolute path is ignored
 * and the default under the home folder is used. The returned folders are the shared base folders;
 * callers add their own {@code stepwise} subfolder. Each lookup has an overload taking the
 * environment and home folder, so tests need not change the process's environment.
 */
public final class UserDirs {
  private UserDirs() {}

  /** {@code $XDG_CONFIG_HOME}, else {@code ~/.config}, for this process. */
  public static Path config() {
    return config(System.getenv(), home());
  }

  /**
   * Stepwise's own config folder (the studio's settings, the named backends): {@code
   * $XDG_CONFIG_HOME/stepwise}, else {@code ~/.config/stepwise}; the system property {@code
   * stepwise.config.dir} moves it.
   */
  public static Path stepwiseConfig() {
    String override = System.getProperty("stepwise.config.dir");
    if (override != null && !override.isBlank()) {
      return Path.of(override);
    }
    return config().resolve("stepwise");
  }

  /** {@code $XDG_DATA_HOME}, else {@code ~/.local/share}, for this process. */
  public static Path data() {
    return data(System.getenv(), home());
  }

  /** {@code $XDG_CACHE_HOME}, else {@code ~/.cache}, for this process. */
  public static Path cache() {
    return cache(System.getenv(), home());
  }

  /** The config base folder for the environment {@code env} and home folder {@code home}. */
  public static Path config(Map<String, String> env, String home) {
    return lookUp(env, "XDG_CONFIG_HOME", Path.of(home, ".config"));
  }

  /** The data base folder for the environment {@code env} and home folder {@code home}. */
  public static Path data(Map<String, String> env, String home) {
    return lookUp(env, "XDG_DATA_HOME", Path.of(home, ".local", "share"));
  }

  /** The cache base folder for the environment {@code env} and home folder {@code home}. */
  public static Path cache(Map<String, String> env, String home) {
    return lookUp(env, "XDG_CACHE_HOME", Path.of(home, ".cache"));
  }

  private static String home() {
    return System.getProperty("user.home");
  }

  private static Path lookUp(Map<String, String> env, String variable, Path fallback) {
    String value = env.get(variable);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      Path p = Path.of(value);
      return p.isAbsolute() ? p : fallback;
    } catch (InvalidPathException e) {
      return fallback;
    }
  }
}
