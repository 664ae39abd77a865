package dev.stepwise.cli;

import dev.stepwise.Stepwise;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends all logging (Stepwise's and DJL's) to a file, so that stderr carries only the one line a
 * user should read. Must run before the first logger is created.
 */
final class Logging {
  private Logging() {}

  /** The log file: {@code <cache>/logs/stepwise.log}. */
  static Path logFile() {
    return Stepwise.cacheDir().resolve("logs").resolve("stepwise.log");
  }

  static void toFile() {
    if (System.getProperty("org.slf4j.simpleLogger.logFile") != null) {
      return;
    }
    Path file = logFile();
    try {
      Files.createDirectories(file.getParent());
      rotate(file, KEEP);
      System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
    } catch (IOException e) {
      // A read-only cache: stay quiet rather than write to stderr.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
    }
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
  }

  /** How many earlier runs' logs are kept beside the current one (stepwise.log.1 is the newest). */
  static final int KEEP = 5;

  /**
   * Moves {@code file} to {@code file.1}, {@code file.1} to {@code file.2}, ..., dropping the one
   * beyond {@code keep}, so the new run's log (which slf4j opens truncated) does not erase the
   * details an earlier error message pointed to. An empty or missing file is left alone; a failure
   * to rotate is not an error (the new log then replaces the old one, as before).
   */
  static void rotate(Path file, int keep) {
    try {
      if (!Files.isRegularFile(file) || Files.size(file) == 0) {
        return;
      }
      Files.deleteIfExists(numbered(file, keep));
      for (int i = keep - 1; i >= 1; i--) {
        Path from = numbered(file, i);
        if (Files.isRegularFile(from)) {
          Files.move(
              from, numbered(file, i + 1), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, numbered(file, 1), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // A read-only or odd log folder: keep the old behaviour.
    }
  }

  private static Path numbered(Path file, int i) {
    return file.resolveSibling(file.getFileName() + "." + i);
  }

  static Logger log() {
    return LoggerFactory.getLogger("dev.stepwise.cli");
  }
}
