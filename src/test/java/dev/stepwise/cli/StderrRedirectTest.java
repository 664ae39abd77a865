package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stepwise generate ... 2> file} in a script that writes to the same stderr afterwards: the
 * CLI's lines and the script's share one file offset, so neither overwrites the other (the CLI once
 * wrote through a reopened /proc/self/fd path with an offset of its own).
 */
class StderrRedirectTest {
  @TempDir Path dir;

  @Test
  void linesAfterTheRunFollowTheRunsLinesInAFile() throws Exception {
    List<String> java = new ArrayList<>();
    java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String key : List.of("ENGINE_CACHE_DIR", "jna.tmpdir", "ai.djl.pytorch.num_threads")) {
      if (System.getProperty(key) != null) {
        java.add("-D" + key + "=" + System.getProperty(key));
      }
    }
    java.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.stepwise.Main"));
    java.addAll(List.of("generate", "--model", TestPacks.tinySd().toString(), "--prompt", "a"));
    java.addAll(List.of("--steps", "3", "--progress", "json", "--out", dir + "/a.png"));
    Path log = dir.resolve("stderr.txt");
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "\"$@\"; echo END >&2", "sh"));
    cmd.addAll(java);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    for (String v : List.of("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")) {
      pb.environment().put(v, dir.resolve("home").toString());
    }
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "generate took over 2 minutes");
    assertEquals(0, p.exitValue(), Files.readString(log));
    List<String> lines = Files.readAllLines(log);
    assertEquals("END", lines.get(lines.size() - 1), lines.toString());
    assertTrue(lines.get(0).startsWith("{\"event\":\"step\",\"image\":1"), lines.toString());
    assertEquals(
        3,
        lines.stream().filter(l -> l.startsWith("{\"event\":\"step\"")).count(),
        lines.toString());
  }
}
