package dev.stepwise;

import dev.stepwise.files.UserDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Process-wide facts and set-up shared by every entry point (CLI, studio, tests).
 *
 * <p>{@link #configureOffline()} must run before any DJL class is touched: DJL reads these
 * properties once, when its engine starts. Stepwise makes no network connection, ever.
 */
public final class Stepwise {
  private Stepwise() {}

  /** The version from the build, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    try (InputStream in = Stepwise.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The Stepwise-owned cache folder: {@code $XDG_CACHE_HOME/stepwise}, or {@code ~/.cache/stepwise}
   * ({@link UserDirs#cache()}). Overridden by the system property {@code stepwise.cache.dir}.
   */
  public static Path cacheDir() {
    String override = System.getProperty("stepwise.cache.dir");
    if (override != null && !override.isBlank()) {
      return Path.of(override);
    }
    return UserDirs.cache().resolve("stepwise");
  }

  /**
   * Sets the properties that keep DJL offline (no telemetry, no downloads) and make it unpack its
   * native libraries under {@link #cacheDir()} instead of {@code ~/.djl.ai}. Properties already set
   * on the command line win.
   */
  public static void configureOffline() {
    setIfAbsent("ai.djl.offline", "true");
    // DJL's usage tracker also honours this; belt and braces.
    setIfAbsent("OPT_OUT_TRACKING", "true");
    Path cache = cacheDir();
    setIfAbsent("ENGINE_CACHE_DIR", cache.resolve("djl").toString());
    setIfAbsent("DJL_CACHE_DIR", cache.resolve("djl").toString());
    setIfAbsent("jna.tmpdir", cache.resolve("jna").toString());
    setIfAbsent("javafx.cachedir", cache.resolve("openjfx").toString());
    setIfAbsent("org.sqlite.tmpdir", cache.resolve("sqlite").toString());
    try {
      Files.createDirectories(cache);
    } catch (IOException e) {
      // A read-only home still runs; DJL will report its own error if it cannot unpack.
    }
    NativeMemory.keepFreedMemory();
    NativeThreads.shortOpenMpSpins(); // before libtorch (and its libgomp) loads
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
