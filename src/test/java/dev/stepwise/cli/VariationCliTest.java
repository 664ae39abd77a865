package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.metadata.PngText;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --variation-seed} and {@code --variation-strength} on the tiny pack. */
class VariationCliTest {
  @TempDir Path dir;

  /** generate on the tiny pack, 3 steps, "a red heart emoji", -q, --out {@code out}, then more. */
  static CliTest.Run generate(Path out, String... more) {
    String[] args = {
      "generate",
      "--model",
      TestPacks.tinySd().toString(),
      "--prompt",
      "a red heart emoji",
      "--steps",
      "3",
      "-q",
      "--out",
      "" + out
    };
    return CliTest.cli(Stream.concat(Stream.of(args), Stream.of(more)).toArray(String[]::new));
  }

  static int[] pixels(Path png) throws Exception {
    BufferedImage i = ImageIO.read(png.toFile());
    return i.getRGB(0, 0, i.getWidth(), i.getHeight(), null, 0, i.getWidth());
  }

  private int[] run(String name, String... more) throws Exception {
    assertEquals(0, generate(dir.resolve(name), more).code());
    return pixels(dir.resolve(name));
  }

  @Test
  void strengthZeroIsThePlainImageOneWithDdimTheVariationSeedsAndABatchKeepsTheSeed()
      throws Exception {
    int[] plain = run("a.png", "--seed", "42");
    assertArrayEquals(plain, run("b.png", "--seed", "42", "--variation-strength", "0"));
    assertFalse(PngText.read(dir.resolve("b.png")).get("parameters").contains("Variation"));
    // DDIM at eta 0 draws no step noise: at strength 1 all the noise is the variation seed's
    assertArrayEquals(
        run("c.png", "--seed", "7"),
        run("d.png", "--seed", "42", "--variation-seed", "7", "--variation-strength", "1"));
    generate(
        dir.resolve("v.png"),
        "--seed",
        "42",
        "--variation-seed",
        "7",
        "--variation-strength",
        ".3",
        "--batch",
        "2");
    String second = PngText.read(dir.resolve("v-1.png")).get("parameters");
    assertTrue(
        second.contains(
            "Seed: 42, Size: 32x32, Model hash: a19c9d3991, Model: tiny-sd, Variation seed: 8,"
                + " Variation seed strength: 0.3,"),
        second);
    assertFalse(
        java.util.Arrays.equals(pixels(dir.resolve("v-0.png")), pixels(dir.resolve("v-1.png"))));
    assertTrue(
        CliTest.cli("info", "" + dir.resolve("v-1.png"))
            .out()
            .contains("variation seed 8, strength 0.3"));
  }

  @Test
  void badValuesAreOneSentenceAndExitTwo() {
    for (String[] c :
        new String[][] {
          {"--variation-strength", "1.5", "--variation-strength must be between 0 and 1, got 1.5."},
          {"--variation-strength", "NaN", "--variation-strength must be between 0 and 1, got NaN."},
          {
            "--variation-seed",
            "5",
            "--variation-seed 5 has no effect without --variation-strength above 0."
          }
        }) {
      CliTest.Run r = generate(dir.resolve("x.png"), c[0], c[1]);
      assertEquals(
          java.util.List.of(2, "stepwise: " + c[2]), java.util.List.of(r.code(), r.err().strip()));
    }
  }
}
