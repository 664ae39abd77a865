package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.TestPacks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: Ctrl+C (a real SIGINT to a real JVM) in the middle of a batch keeps exactly the images
 * already finished, removes the unfinished image's frames and exits 130 with one line saying what
 * was kept.
 */
class InterruptTest {
  @TempDir Path dir;

  @Test
  void sigintMidBatchKeepsExactlyTheFinishedImagesAndExits130() throws Exception {
    Path out = dir.resolve("run.png");
    Path frames = dir.resolve("frames");
    int steps = 60; // a few seconds per image on the tiny pack: SIGINT lands mid-batch
    List<String> cmd =
        javaCommand(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a red heart emoji",
            "--steps",
            Integer.toString(steps),
            "--seed",
            "3",
            "--batch",
            "3",
            "--frames",
            frames.toString(),
            "--out",
            out.toString(),
            "--progress",
            "json",
            "--json");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile());
    isolate(pb.environment());
    Process p = pb.start();
    List<String> err = new ArrayList<>();
    List<String> announced = new ArrayList<>();
    try {
      assertTimeoutPreemptively(
          Duration.ofSeconds(180),
          () -> {
            try (BufferedReader r =
                new BufferedReader(
                    new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
              for (String line; (line = r.readLine()) != null; ) {
                err.add(line);
                if (line.startsWith("{") && line.contains("\"event\":\"file\"")) {
                  announced.add(
                      JsonParser.parseString(line).getAsJsonObject().get("file").getAsString());
                  if (announced.size() == 1) {
                    sigint(p.pid());
                  }
                }
              }
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
          });
    } finally {
      p.destroyForcibly();
    }
    String stderr = String.join("\n", err);
    assertEquals(130, p.exitValue(), stderr);
    assertTrue(announced.size() >= 1 && announced.size() < 3, "stopped mid-batch: " + stderr);

    // Exactly the finished images are on disk, and nothing else (no temporary files).
    Set<String> onDisk;
    try (Stream<Path> s = Files.list(dir)) {
      onDisk =
          s.filter(f -> f.getFileName().toString().startsWith("run"))
              .map(f -> f.toAbsolutePath().toString())
              .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(new TreeSet<>(announced), onDisk, stderr);
    for (int i = 0; i < announced.size(); i++) {
      assertEquals(dir.resolve("run-" + i + ".png").toAbsolutePath().toString(), announced.get(i));
    }

    // The finished images' frames are all there; the unfinished image's partial frames are gone.
    Set<String> frameFiles;
    try (Stream<Path> s = Files.list(frames)) {
      frameFiles = s.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
    }
    assertEquals(announced.size() * steps, frameFiles.size(), frameFiles.toString());
    for (int i = 0; i < announced.size(); i++) {
      assertTrue(frameFiles.contains(String.format("image%d-step%03d.png", i, steps)));
    }

    // One line says what was kept; --json says the same to a script.
    String last = err.get(err.size() - 1);
    assertEquals(
        "stepwise: Interrupted; kept "
            + announced.size()
            + " of 3 images: "
            + String.join(", ", announced)
            + ".",
        last);
    assertEquals(1, err.stream().filter(l -> !l.startsWith("{")).count(), stderr);
    JsonObject o =
        JsonParser.parseString(Files.readString(dir.resolve("stdout"))).getAsJsonObject();
    assertEquals("interrupted", o.get("status").getAsString());
    List<String> listed = new ArrayList<>();
    for (JsonElement f : o.getAsJsonArray("files")) {
      listed.add(f.getAsJsonObject().get("file").getAsString());
    }
    assertEquals(announced, listed);
    assertFalse(Files.exists(dir.resolve("run-2.png")));
  }

  private static void sigint(long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start();
    assertEquals(0, kill.waitFor(), "kill -INT " + pid);
  }

  /**
   * The command line of a child JVM running Stepwise's main class on this test's class path. A
   * signal ignored here would stay ignored in the child (a non-interactive shell's background job
   * ignores SIGINT, and exec keeps that), so the child is then started through perl, which resets
   * SIGINT to its default first (perl is part of every Debian system).
   */
  static List<String> javaCommand(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (sigintIgnored()) {
      cmd.addAll(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\""));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String key :
        List.of(
            "ENGINE_CACHE_DIR",
            "jna.tmpdir",
            "org.sqlite.tmpdir",
            "ai.djl.pytorch.num_threads",
            "ai.djl.pytorch.num_interop_threads")) {
      String v = System.getProperty(key);
      if (v != null) {
        cmd.add("-D" + key + "=" + v); // reuse this run's unpacked natives and thread counts
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(dev.stepwise.Main.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Sends the child's home folders (log, models folder, library) into the test's folder. */
  private void isolate(Map<String, String> env) throws IOException {
    Path home = Files.createDirectories(dir.resolve("home"));
    env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
    env.put("XDG_DATA_HOME", home.resolve("data").toString());
    env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
    env.remove("STEPWISE_MODELS");
    env.remove("STEPWISE_LIBRARY");
  }

  /** Whether this process ignores SIGINT (Linux: bit 1 of SigIgn in /proc/self/status). */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 2L) != 0;
      }
    }
    return false;
  }
}
