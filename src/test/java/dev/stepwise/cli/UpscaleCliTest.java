package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.metadata.PngText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stepwise upscale}: A1111's Extras upscale, the recipe kept, nothing overwritten. */
class UpscaleCliTest {
  @TempDir Path dir;

  private Path png(String name, int w, int h) {
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (i * 37 % 251);
    }
    Path p = dir.resolve(name);
    PngImage.write(p, w, h, rgb, Map.of("parameters", "a red heart\nSteps: 20, Seed: 7"));
    return p;
  }

  @Test
  void nearestAtTwoRepeatsEachPixelAndKeepsTheRecipe() {
    Path in = png("heart.png", 16, 8);
    CliTest.Run r = CliTest.cli("upscale", "--upscaler", "nearest", in.toString());
    assertEquals(0, r.code(), r.err());
    Path out = dir.resolve("heart-x2.png");
    assertEquals(out.toString(), r.out().strip());
    RgbImage small = ImageFiles.read(in, "image").flattened();
    RgbImage big = ImageFiles.read(out, "image").flattened();
    assertEquals(32, big.width());
    assertEquals(16, big.height());
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 32; x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(
              small.rgb()[((y / 2) * 16 + x / 2) * 3 + c], big.rgb()[(y * 32 + x) * 3 + c]);
        }
      }
    }
    Map<String, String> text = PngText.read(out);
    assertEquals("a red heart\nSteps: 20, Seed: 7", text.get("parameters"));
    assertEquals("Postprocess upscale by: 2, Postprocess upscaler: Nearest", text.get("extras"));
    assertEquals(text.get("extras"), text.get("postprocessing"));
  }

  @Test
  void sidesRoundDownToMultiplesOfEightAsA1111Does() {
    Path in = png("a.png", 13, 9);
    Path out = dir.resolve("big.png");
    CliTest.Run r =
        CliTest.cli("upscale", "--scale", "1.5", "--out", out.toString(), in.toString());
    assertEquals(0, r.code(), r.err());
    RgbImage big = ImageFiles.read(out, "image").flattened();
    assertEquals(
        "16x8", big.width() + "x" + big.height()); // int(19.5 // 8 * 8), int(13.5 // 8 * 8)
    assertTrue(PngText.read(out).get("extras").contains("upscale by: 1.5, "), r.out());
  }

  @Test
  void refusalsAreOneLineAndNothingIsOverwritten() throws Exception {
    Path in = png("heart.png", 16, 8);
    Path existing = Files.writeString(dir.resolve("heart-x2.png"), "mine");
    CliTest.Run r = CliTest.cli("upscale", in.toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("--force"), r.err());
    assertEquals("mine", Files.readString(existing));
    assertEquals(0, CliTest.cli("upscale", "--force", in.toString()).code());
    assertFalse(
        Files.readString(existing, java.nio.charset.StandardCharsets.ISO_8859_1).equals("mine"));

    CliTest.Run bad = CliTest.cli("upscale", "--scale", "5", in.toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--scale must be between 1 and 4, got 5.0."), bad.err());
    CliTest.Run nearestTypo = CliTest.cli("upscale", "--upscaler", "esrgan", in.toString());
    assertEquals(2, nearestTypo.code());
    assertTrue(nearestTypo.err().contains("lanczos or nearest"), nearestTypo.err());

    Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
    CliTest.Run notImage = CliTest.cli("upscale", text.toString());
    assertEquals(1, notImage.code());
    assertEquals(1, notImage.err().strip().lines().count(), notImage.err());
    assertFalse(Files.exists(dir.resolve("notes-x2.png")));
  }
}
