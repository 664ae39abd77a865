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
    List<String> args = new ArrayList<>();
    args.addAll(List.of("generate", "--model", TestPacks.tinySd().toString(), "--prompt", "a"));
    args.addAll(List.of("--steps", "3", "--progress", "json", "--out", dir + "/a.png"));
    Path log = dir.resolve("stderr.txt");
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "\"$@\"; echo END >&2", "sh"));
    cmd.addAll(ChildJvm.command(args));
    ProcessBuilder pb =
        ChildJvm.isolated(new ProcessBuilder(cmd).redirectError(log.toFile()), dir.resolve("home"));
    pb.redirectOutput(dir.resolve("out.txt").toFile());
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
