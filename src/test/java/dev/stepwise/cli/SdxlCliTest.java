package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} with the tiny SDXL-shaped pack (src/test/resources/packs/tiny-sdxl). */
class SdxlCliTest {
  @TempDir Path dir;

  @Test
  void generatesAtTheModelsDefaultSize() throws Exception {
    Path out = dir.resolve("xl.png");
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.byName("tiny-sdxl").toString(),
            "--prompt",
            "a red heart emoji",
            "--steps",
            "3",
            "--seed",
            "7",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    BufferedImage image = ImageIO.read(out.toFile());
    // sample_size 8 x the autoencoder's factor 4 (three levels).
    assertEquals(32, image.getWidth());
    assertEquals(32, image.getHeight());
  }

  /** --drop-text-encoders frees the encoders before the steps; the picture does not change. */
  @Test
  void droppingTheTextEncodersGivesTheSamePicture() throws Exception {
    int[][] rgb = new int[2][];
    for (int i = 0; i < 2; i++) {
      Path out = dir.resolve("drop" + i + ".png");
      CliTest.Run r =
          CliTest.cli(
              "generate",
              "--model",
              TestPacks.byName("tiny-sdxl").toString(),
              "--prompt",
              "a red heart emoji",
              "--steps",
              "2",
              "--seed",
              "7",
              "--out",
              out.toString(),
              i == 0 ? "--quiet" : "--drop-text-encoders");
      assertEquals(0, r.code(), r.err());
      BufferedImage image = ImageIO.read(out.toFile());
      rgb[i] = image.getRGB(0, 0, 32, 32, null, 0, 32);
    }
    assertArrayEquals(rgb[0], rgb[1]);
  }

  @Test
  void aLoraTagOnAnSdxlModelIsOneSentence() {
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.byName("tiny-sdxl").toString(),
            "--prompt",
            "a cat <lora:mine:1>",
            "--steps",
            "2",
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("stepwise: ") && r.err().contains("SDXL"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
