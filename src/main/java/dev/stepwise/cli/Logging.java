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
      System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
    } catch (IOException e) {
      // A read-only cache: stay quiet rather than write to stderr.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
    }
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
  }

  static Logger log() {
    return LoggerFactory.getLogger("dev.stepwise.cli");
  }
}
