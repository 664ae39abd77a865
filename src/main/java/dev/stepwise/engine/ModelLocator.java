package dev.stepwise.engine;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the built-in model pack ("stepwise-emoji") that ships with the program. */
public final class ModelLocator {
  /** The built-in pack's folder name. */
  public static final String BUILT_IN = "stepwise-emoji";

  private ModelLocator() {}

  /**
   * The built-in pack's folder: the system property {@code stepwise.model}, else the environment
   * variable {@code STEPWISE_MODEL}, else {@code models/stepwise-emoji} beside or above the
   * program's jar, else under the working directory. Returns the first candidate that exists, or
   * the last candidate tried when none does (so the error names a real path).
   */
  public static Path builtIn() {
    List<Path> candidates = new ArrayList<>();
    String prop = System.getProperty("stepwise.model");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("STEPWISE_MODEL");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path jarDir = jarDir();
    if (jarDir != null) {
      candidates.add(jarDir.resolve("models").resolve(BUILT_IN));
      if (jarDir.getParent() != null) {
        candidates.add(jarDir.getParent().resolve("models").resolve(BUILT_IN));
      }
    }
    candidates.add(Path.of("models", BUILT_IN).toAbsolutePath());
    for (Path p : candidates) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    return candidates.get(candidates.size() - 1);
  }

  private static Path jarDir() {
    try {
      Path code =
          Path.of(ModelLocator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(code) ? code.getParent() : code;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
