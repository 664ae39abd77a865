package dev.stepwise.engine;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tiny diffusers-layout packs committed as test resources (see
 * models/training/make_goldens.py).
 */
public final class TestPacks {
  private TestPacks() {}

  public static final Path ROOT = Path.of("src", "test", "resources", "packs");
  public static final Path GOLDEN = Path.of("src", "test", "resources", "golden");

  /** SD 1.x-like, F16 weights, f = 4, 77-free 16-token text window. */
  public static Path tinySd() {
    return existing(ROOT.resolve("tiny-sd"));
  }

  /** SD 2.x-like, F16 weights, sharded UNet, v-prediction, f = 8. */
  public static Path tinySd2() {
    return existing(ROOT.resolve("tiny-sd2"));
  }

  /** The shipped built-in pack (models/stepwise-emoji): the product, so it must exist. */
  public static Path builtIn() {
    Path p = Path.of("models", "stepwise-emoji");
    if (!Files.isDirectory(p)) {
      throw new AssertionError("the built-in pack is missing: " + p.toAbsolutePath());
    }
    return p.toAbsolutePath();
  }

  /** A copy of tiny-sd in {@code folder} (for tests that edit or add files). */
  public static Path copyOfTinySd(Path folder) {
    try {
      Path src = tinySd();
      try (var walk = Files.walk(src)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          Path target = folder.resolve(src.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else {
            Files.copy(p, target);
          }
        }
      }
      return folder.toAbsolutePath();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A copy of tiny-sd in {@code folder} with a prompts.txt of {@code prompts}, one a line. */
  public static Path tinySdWithPrompts(Path folder, String... prompts) {
    Path pack = copyOfTinySd(folder);
    try {
      Files.writeString(pack.resolve("prompts.txt"), String.join("\n", prompts) + "\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return pack;
  }

  /** The expression {@link #tinySdWithSplit} is mostly used with: exponential backtracking. */
  public static final String EXPONENTIAL_SPLIT = "(.*a){12}b";

  /**
   * A copy of tiny-sd in {@code folder} whose tokenizer.json pre-tokenizer is a Split on the
   * crafted {@code regex} (issue 20: a tokenizer file must not hang or crash anything).
   */
  public static Path tinySdWithSplit(Path folder, String regex) {
    Path pack = copyOfTinySd(folder);
    Path file = pack.resolve("tokenizer").resolve("tokenizer.json");
    try {
      com.google.gson.JsonObject root =
          com.google.gson.JsonParser.parseString(Files.readString(file)).getAsJsonObject();
      com.google.gson.JsonObject split = new com.google.gson.JsonObject();
      split.addProperty("type", "Split");
      com.google.gson.JsonObject pattern = new com.google.gson.JsonObject();
      pattern.addProperty("Regex", regex);
      split.add("pattern", pattern);
      split.addProperty("behavior", "Removed");
      split.addProperty("invert", false);
      root.add("pre_tokenizer", split);
      Files.writeString(file, root.toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return pack;
  }

  /** A pack by the name its goldens use: tiny-sd, tiny-sd2 or stepwise-emoji. */
  public static Path byName(String name) {
    switch (name) {
      case "tiny-sd":
        return tinySd();
      case "tiny-sd2":
        return tinySd2();
      case "stepwise-emoji":
        return builtIn();
      case "tiny-sdxl":
        return existing(ROOT.resolve("tiny-sdxl"));
      default:
        throw new IllegalArgumentException("no test pack named " + name);
    }
  }

  private static Path existing(Path p) {
    assumeTrue(Files.isDirectory(p), "test pack missing: " + p);
    return p.toAbsolutePath();
  }

  /**
   * The goldens' tolerance measure (docs/goldens.md): max|got - want| / max|want| over the whole
   * tensor; the element counts must agree.
   */
  public static double relErr(float[] got, float[] want) {
    if (got.length != want.length) {
      throw new AssertionError("element count " + got.length + " != " + want.length);
    }
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < got.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      maxRef = Math.max(maxRef, Math.abs(want[i]));
    }
    return maxDiff / maxRef;
  }
}
