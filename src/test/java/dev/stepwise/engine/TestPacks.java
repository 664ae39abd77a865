package dev.stepwise.engine;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny diffusers-layout packs committed as test resources (see models/training/make_goldens.py). */
public final class TestPacks {
  private TestPacks() {}

  public static final Path ROOT = Path.of("src", "test", "resources", "packs");
  public static final Path GOLDEN = Path.of("src", "test", "resources", "golden");

  /** SD 1.x-like, F32 weights, f = 4, 77-free 16-token text window. */
  public static Path tinySd() {
    return existing(ROOT.resolve("tiny-sd"));
  }

  /** SD 2.x-like, F16 weights, sharded UNet, v-prediction, f = 8. */
  public static Path tinySd2() {
    return existing(ROOT.resolve("tiny-sd2"));
  }

  private static Path existing(Path p) {
    assumeTrue(Files.isDirectory(p), "test pack missing: " + p);
    return p.toAbsolutePath();
  }
}
