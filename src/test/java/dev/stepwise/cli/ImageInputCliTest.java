package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.cli.CliTest.Run;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.LibraryQuery;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code generate --init-image/--mask/--outpaint/--hires-*}: files, recipes and refusals. */
class ImageInputCliTest {
  @TempDir Path dir;

  static Run generate(Path dir, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                TestPacks.tinySd().toString(),
                "--prompt",
                "a red heart emoji",
                "--steps",
                "4",
                "--seed",
                "7"));
    args.addAll(Arrays.asList(more));
    return CliTest.cli(args.toArray(String[]::new));
  }

  static Path png(Path file, int w, int h, boolean circle) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean in = Math.hypot(x - w / 2.0, y - h / 2.0) < h / 4.0;
        img.setRGB(x, y, circle ? (in ? 0xffffff : 0) : (x * 6) << 16 | (y * 8) << 8 | 90);
      }
    }
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  @Test
  void inpaintingSavesTheRecipeAndKeepsThePicturesInTheLibrary() throws Exception {
    Path init = png(dir.resolve("init.png"), 40, 28, false);
    Path mask = png(dir.resolve("mask.png"), 40, 28, true);
    Path lib = dir.resolve("lib");
    Run r =
        generate(
            dir,
            "--init-image",
            init.toString(),
            "--strength",
            "0.6",
            "--mask",
            mask.toString(),
            "--inpaint-fill",
            "noise",
            "--sampler",
            "euler",
            "--library",
            lib.toString());
    assertEquals(0, r.code(), r.err());
    try (Library l = Library.open(lib)) {
      List<LibraryImage> all = l.find(LibraryQuery.ALL);
      assertEquals(1, all.size());
      Recipe recipe = all.get(0).recipe();
      assertEquals(40, recipe.width());
      ImageSettings s = recipe.imageSettings();
      assertEquals(0.6, s.strength());
      assertEquals(MaskedContent.NOISE, s.maskedContent());
      assertNotNull(l.input(recipe.initImageHash()), "the init image is kept");
      assertNotNull(l.input(recipe.maskHash()), "the mask is kept");
      BufferedImage in = ImageIO.read(init.toFile());
      BufferedImage out = ImageIO.read(all.get(0).file().toFile());
      BufferedImage m = ImageIO.read(mask.toFile());
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 40; x++) {
          if ((m.getRGB(x, y) & 0xff) == 0) {
            assertEquals(in.getRGB(x, y), out.getRGB(x, y), "kept pixel " + x + "," + y);
          }
        }
      }
      GenerationParameters p = InfoText.parse(PngText.read(all.get(0).file()).get("parameters"));
      assertEquals("0.6", p.extras().get("Denoising strength"));
      assertEquals("latent noise", p.extras().get("Masked content"));
      assertEquals("Crop and resize", p.extras().get("Resize mode"));
    }
    try (var files = Files.list(lib.resolve(".stepwise/inputs"))) {
      assertEquals(2, files.count());
    }
  }

  @Test
  void theHiresFixRecordsA1111sKeysAndTheFirstPassSize() throws Exception {
    Path out = dir.resolve("big.png");
    Run r =
        generate(
            dir,
            "--width",
            "32",
            "--height",
            "24",
            "--hires-scale",
            "2",
            "--hires-steps",
            "2",
            "--hires-strength",
            "0.5",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    BufferedImage img = ImageIO.read(out.toFile());
    assertEquals(64, img.getWidth());
    assertEquals(48, img.getHeight());
    GenerationParameters p = InfoText.parse(PngText.read(out).get("parameters"));
    assertEquals(32, p.width());
    assertEquals(24, p.height());
    assertEquals("2.0", p.extras().get("Hires upscale"));
    assertEquals("2", p.extras().get("Hires steps"));
    assertEquals("Latent", p.extras().get("Hires upscaler"));
    assertEquals("0.5", p.extras().get("Denoising strength"));
    assertNull(p.extras().get("Init image"));
  }

  @Test
  void outpaintingWritesTheGrownCanvas() throws Exception {
    Path init = png(dir.resolve("init.png"), 24, 16, false);
    Path out = dir.resolve("wide.png");
    Run r =
        generate(
            dir, "--init-image", init.toString(), "--outpaint", "8,0,8,0", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(40, ImageIO.read(out.toFile()).getWidth());
    GenerationParameters p = InfoText.parse(PngText.read(out).get("parameters"));
    assertEquals("8,0,8,0", p.extras().get("Outpaint"));
    assertEquals("fill", p.extras().get("Masked content"));
    assertNotNull(p.extras().get("Init image"));
  }

  @Tag("hostile")
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--strength|1.5|--strength must be between 0 and 1, got 1.5.",
        "--strength|-0.2|--strength must be between 0 and 1, got -0.2.",
        "--resize|squash|--resize must be fit, fill or stretch, got \"squash\".",
        "--mask-blur|65|--mask-blur must be between 0 and 64 pixels, got 65.",
        "--inpaint-fill|latent|--inpaint-fill must be keep, fill or noise, got \"latent\".",
        "--outpaint|1,2|--outpaint must be four whole numbers",
        "--hires-scale|2|--hires-scale enlarges a picture made from text",
        "--mask|MASK_12|The mask is 40x12 but the init image is 40x28",
        "--mask|BIG|The mask big.png is 9000x9000 (77.2 megapixels)",
        "--mask|CUT|The mask cut.jpg is damaged or cut short (",
      })
  void badPictureInputIsOneSentence(String option, String value, String expected) throws Exception {
    Path init = png(dir.resolve("init.png"), 40, 28, false);
    String v = value;
    if (value.equals("MASK_12")) {
      v = png(dir.resolve("small.png"), 40, 12, true).toString();
    } else if (value.equals("BIG")) {
      v = dir.resolve("big.png").toString();
      Files.write(Path.of(v), dev.stepwise.engine.image.ImageFilesTestAccess.lyingPng(9000, 9000));
    } else if (value.equals("CUT")) {
      Path jpg = dir.resolve("cut.jpg");
      ImageIO.write(ImageIO.read(init.toFile()), "jpg", jpg.toFile());
      byte[] b = Files.readAllBytes(jpg);
      Files.write(jpg, Arrays.copyOf(b, b.length / 2));
      v = jpg.toString();
    }
    Path out = dir.resolve("x.png");
    Run r = generate(dir, "--init-image", init.toString(), option, v, "--out", out.toString());
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("stepwise: " + expected), r.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Tag("hostile")
  @Test
  void pictureOptionsWithoutAPictureAreRefused() {
    Run r = generate(dir, "--strength", "0.5", "--out", dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertEquals("stepwise: --strength needs --init-image.", r.err().strip());
    Run h = generate(dir, "--hires-steps", "5", "--out", dir.resolve("x.png").toString());
    assertEquals("stepwise: --hires-steps needs --hires-scale.", h.err().strip());
    Run missing =
        generate(
            dir,
            "--init-image",
            dir.resolve("nope.png").toString(),
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("nope.png does not exist or is not a file."), missing.err());
  }
}
