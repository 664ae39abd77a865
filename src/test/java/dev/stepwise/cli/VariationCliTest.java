package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --variation-seed N --variation-strength S} on the tiny pack. */
class VariationCliTest {
  @TempDir Path dir;

  private Path run(String name, String... extra) {
    return runSeed(name, "42", extra);
  }

  private Path runSeed(String name, String seed, String... extra) {
    Path out = dir.resolve(name);
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                TestPacks.tinySd().toString(),
                "--prompt",
                "a red heart emoji",
                "--steps",
                "3",
                "--seed",
                seed,
                "--out",
                out.toString(),
                "-q"));
    args.addAll(Arrays.asList(extra));
    CliTest.Run r = CliTest.cli(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    return out;
  }

  static int[] pixels(Path png) throws Exception {
    BufferedImage img = ImageIO.read(png.toFile());
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  @Test
  void strengthZeroIsExactlyThePlainSeedsImageAndRecordsNothing() throws Exception {
    Path plain = run("plain.png");
    Path zero = run("zero.png", "--variation-strength", "0");
    assertArrayEquals(pixels(plain), pixels(zero));
    assertFalse(PngText.read(zero).get("parameters").contains("Variation"));
  }

  @Test
  void strengthOneWithoutStepNoiseIsTheVariationSeedsImage() throws Exception {
    // DDIM at eta 0 draws no step noise, so all of the noise is then the variation seed's.
    Path seven = runSeed("seven.png", "7");
    Path full = run("full.png", "--variation-seed", "7", "--variation-strength", "1");
    assertArrayEquals(pixels(seven), pixels(full));
  }

  @Test
  void aBatchKeepsTheSeedCountsTheVariationSeedUpAndRecordsBoth() throws Exception {
    run("v.png", "--variation-seed", "7", "--variation-strength", "0.3", "--batch", "2");
    Path plain = run("plain.png");
    String[] texts = new String[2];
    for (int i = 0; i < 2; i++) {
      texts[i] = PngText.read(dir.resolve("v-" + i + ".png")).get("parameters");
      GenerationParameters p = InfoText.parse(texts[i]);
      assertEquals(42, p.seed(), "A1111 keeps the seed for every image of a varied batch");
      assertTrue(
          texts[i].contains("Variation seed: " + (7 + i) + ", Variation seed strength: 0.3"),
          texts[i]);
    }
    int[] a = pixels(dir.resolve("v-0.png"));
    int[] b = pixels(dir.resolve("v-1.png"));
    assertFalse(Arrays.equals(a, b));
    assertFalse(Arrays.equals(a, pixels(plain)));
    CliTest.Run info = CliTest.cli("info", dir.resolve("v-1.png").toString());
    assertTrue(info.out().contains("variation seed 8, strength 0.3"), info.out());
  }

  @Test
  void badValuesAreOneSentenceAndExitTwo() {
    String pack = TestPacks.tinySd().toString();
    CliTest.Run r =
        CliTest.cli("generate", "--model", pack, "--prompt", "a", "--variation-strength", "1.5");
    assertEquals(2, r.code());
    assertEquals(
        "stepwise: --variation-strength must be between 0 and 1, got 1.5.", r.err().strip());
    r = CliTest.cli("generate", "--model", pack, "--prompt", "a", "--variation-seed", "5");
    assertEquals(2, r.code());
    assertEquals(
        "stepwise: --variation-seed 5 has no effect without --variation-strength above 0 (such as"
            + " 0.1).",
        r.err().strip());
    r = CliTest.cli("generate", "--model", pack, "--prompt", "a", "--variation-strength", "NaN");
    assertEquals(2, r.code());
    assertEquals(
        "stepwise: --variation-strength must be between 0 and 1, got NaN.", r.err().strip());
  }
}
