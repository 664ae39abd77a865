package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeds reproduce in fresh JVMs: the same request with the same libtorch thread count gives
 * identical pixels, and with another thread count pixels within 2/255 (thread counts can only be
 * set when libtorch starts, hence separate processes).
 */
class ThreadCountReproducibilityTest {
  @TempDir Path dir;

  private Path generate(String name, int threads) throws IOException, InterruptedException {
    Path out = dir.resolve(name + ".png");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
    String engineCache = System.getProperty("ENGINE_CACHE_DIR");
    if (engineCache != null) {
      cmd.add("-DENGINE_CACHE_DIR=" + engineCache); // reuse the unpacked natives of this test run
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(dev.stepwise.Main.class.getName());
    cmd.addAll(
        List.of(
            "generate",
            "--model",
            TestPacks.tinySd2().toString(),
            "--prompt",
            "a red heart emoji",
            "--steps",
            "6",
            "--sampler",
            "euler_a",
            "--guidance",
            "4",
            "--seed",
            "2026",
            "--out",
            out.toString()));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "generate timed out");
    assertEquals(0, p.exitValue(), java.nio.file.Files.readString(dir.resolve(name + ".log")));
    return out;
  }

  private static int[] pixels(Path png) throws IOException {
    BufferedImage img = ImageIO.read(png.toFile());
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  @Test
  void sameThreadsIdenticalOtherThreadsWithin2Of255() throws Exception {
    int[] a = pixels(generate("two-a", 2));
    int[] b = pixels(generate("two-b", 2));
    int[] c = pixels(generate("one", 1));
    assertArrayEquals(a, b, "same request, same thread count");
    int worst = 0;
    for (int i = 0; i < a.length; i++) {
      for (int shift = 0; shift <= 16; shift += 8) {
        worst = Math.max(worst, Math.abs((a[i] >> shift & 0xff) - (c[i] >> shift & 0xff)));
      }
    }
    assertTrue(worst <= 2, "1 vs 2 threads differ by " + worst + "/255");
  }
}
