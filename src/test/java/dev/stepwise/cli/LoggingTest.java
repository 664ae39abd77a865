package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every run's log is kept for a few runs (issue 20, item 13: the next command erased it). */
@Tag("hostile")
class LoggingTest {
  @TempDir Path dir;

  @Test
  void eachRunShiftsTheEarlierLogsAndKeepsFive() throws Exception {
    Path log = dir.resolve("stepwise.log");
    for (int run = 1; run <= 7; run++) {
      Logging.rotate(log, Logging.KEEP);
      Files.writeString(log, "run " + run);
    }
    assertEquals("run 7", Files.readString(log));
    assertEquals("run 6", Files.readString(dir.resolve("stepwise.log.1")));
    assertEquals("run 2", Files.readString(dir.resolve("stepwise.log.5")));
    assertFalse(Files.exists(dir.resolve("stepwise.log.6")));
  }

  @Test
  void anEmptyLogIsNotKept() throws Exception {
    Path log = dir.resolve("stepwise.log");
    Files.writeString(log, "");
    Logging.rotate(log, Logging.KEEP);
    assertFalse(Files.exists(dir.resolve("stepwise.log.1")));
  }
}
