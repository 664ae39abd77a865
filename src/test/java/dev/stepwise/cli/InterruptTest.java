package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.stepwise.engine.TestPacks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: a real SIGINT to a real JVM in the middle of a batch keeps exactly the finished images
 * (and their frames, not the unfinished one's) and exits 130 with one line saying what was kept.
 */
class InterruptTest {
  @TempDir Path dir;

  @Test
  void sigintMidBatchKeepsExactlyTheFinishedImagesAndExits130() throws Exception {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("generate", "--model", TestPacks.tinySd().toString(), "--prompt", "a"));
    args.addAll(List.of("--steps", "60", "--batch", "3", "--progress", "json", "--json"));
    args.addAll(List.of("--frames", dir.resolve("f").toString(), "--out", dir + "/run.png"));
    ProcessBuilder pb =
        ChildJvm.isolated(
            new ProcessBuilder(ChildJvm.interruptible(args))
                .redirectOutput(dir.resolve("out").toFile()),
            dir.resolve("home"));
    Process p = pb.start();
    List<String> err = new ArrayList<>();
    List<String> saved = new ArrayList<>();
    try {
      assertTimeoutPreemptively(
          Duration.ofSeconds(180),
          () -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream()));
            for (String line; (line = r.readLine()) != null; ) {
              err.add(line);
              if (line.startsWith("{\"event\":\"file\"")) {
                saved.add(JsonParser.parseString(line).getAsJsonObject().get("file").getAsString());
                if (saved.size() == 1) {
                  new ProcessBuilder("kill", "-INT", "" + p.pid()).start().waitFor();
                }
              }
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
          });
    } finally {
      p.destroyForcibly();
    }
    assertEquals(130, p.exitValue(), String.join("\n", err));
    assertTrue(saved.size() == 1 || saved.size() == 2, "stopped mid-batch: " + saved);
    TreeSet<String> onDisk = new TreeSet<>();
    try (var s = Files.list(dir)) {
      s.filter(f -> f.getFileName().toString().contains("run")).forEach(f -> onDisk.add("" + f));
    }
    assertEquals(new TreeSet<>(saved), onDisk, "exactly the finished images, no temporary files");
    TreeSet<String> frames = new TreeSet<>();
    try (var s = Files.list(dir.resolve("f"))) {
      s.forEach(f -> frames.add(f.getFileName().toString()));
    }
    assertEquals(saved.size() * 60, frames.size(), "the unfinished image's frames are removed");
    assertEquals(String.format("image%d-step060.png", saved.size() - 1), frames.last());
    assertEquals(
        "stepwise: Interrupted; kept "
            + saved.size()
            + " of 3 images: "
            + String.join(", ", saved)
            + ".",
        err.get(err.size() - 1));
    String out = Files.readString(dir.resolve("out"));
    assertEquals(
        "interrupted", JsonParser.parseString(out).getAsJsonObject().get("status").getAsString());
  }
}
