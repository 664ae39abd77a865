package dev.stepwise.gallery;

import dev.stepwise.files.UserDirs;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds the library folder: the {@code stepwise.library} system property, else the {@code
 * STEPWISE_LIBRARY} environment variable, else {@code $XDG_DATA_HOME/stepwise/library}, else {@code
 * ~/.local/share/stepwise/library}.
 */
public final class LibraryLocation {
  private LibraryLocation() {}

  /** Returns the library folder for this process's properties and environment. */
  public static Path defaultFolder() {
    return resolve(
        System.getProperty("stepwise.library"), System.getenv(), System.getProperty("user.home"));
  }

  /** Resolves the folder from explicit inputs (the property value may be null). */
  static Path resolve(String property, Map<String, String> env, String home) {
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath();
    }
    String fromEnv = env.get("STEPWISE_LIBRARY");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv).toAbsolutePath();
    }
    return UserDirs.data(env, home).resolve("stepwise").resolve("library");
  }
}
