package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
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
  void anSd1LoraOnAnSdxlModelIsOneSentence() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("loras"));
    new SafetensorsWriter()
        .putF32(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
            new long[] {1, 16},
            new float[16])
        .putF32(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight",
            new long[] {16, 1},
            new float[16])
        .write(folder.resolve("mine.safetensors"));
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.byName("tiny-sdxl").toString(),
            "--lora-dir",
            folder.toString(),
            "--prompt",
            "a cat <lora:mine:1>",
            "--steps",
            "2",
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("stepwise: ") && r.err().contains("is an SDXL model"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void anSdxlLoraIsAppliedAndItsHashRecorded() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("xl-loras"));
    float[] down = new float[2 * 24];
    float[] up = new float[24 * 2];
    for (int i = 0; i < down.length; i++) {
      down[i] = (i % 5) * 0.1f;
      up[i] = (i % 3) * 0.2f;
    }
    new SafetensorsWriter()
        .putF32(
            "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
            new long[] {2, 24},
            down)
        .putF32(
            "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight",
            new long[] {24, 2},
            up)
        .write(folder.resolve("mine.safetensors"));
    Path out = dir.resolve("xl-lora.png");
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.byName("tiny-sdxl").toString(),
            "--lora-dir",
            folder.toString(),
            "--prompt",
            "a cat <lora:mine:0.8>",
            "--steps",
            "2",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    String text = dev.stepwise.metadata.PngText.read(out).get("parameters");
    assertTrue(text.startsWith("a cat <lora:mine:0.8>"), text);
    assertTrue(text.matches("(?s).*Lora hashes: \"mine: [0-9a-f]{12}\".*"), text);
  }

  @Test
  void chosenTimeIdsAreRecordedAndBadOnesAreOneSentence() throws Exception {
    Path out = dir.resolve("sized.png");
    String model = TestPacks.byName("tiny-sdxl").toString();
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            model,
            "--prompt",
            "a cat",
            "--steps",
            "2",
            "--seed",
            "7",
            "--original-size",
            "768x1024",
            "--crop-top-left",
            "8,16",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    dev.stepwise.gallery.Recipe recipe = dev.stepwise.gallery.ImageParameters.read(out).recipe();
    assertEquals("768x1024", recipe.extras().get("Original size"));
    assertEquals("8,16", recipe.extras().get("Crop top-left"));
    assertTrue(!recipe.extras().containsKey("Target size"), "the default is not written");
    assertEquals(
        new dev.stepwise.recipe.SizeConditioning(768, 1024, 8, 16, 0, 0),
        recipe.sizeConditioning());

    CliTest.Run bad =
        CliTest.cli(
            "generate",
            "--model",
            model,
            "--prompt",
            "a cat",
            "--steps",
            "2",
            "--target-size",
            "1024",
            "--out",
            dir.resolve("b.png").toString());
    assertEquals(2, bad.code());
    assertEquals(
        "stepwise: --target-size must be WIDTHxHEIGHT with whole numbers from 1 to 16384, got"
            + " \"1024\".",
        bad.err().strip());

    CliTest.Run sd1 =
        CliTest.cli(
            "generate",
            "--model",
            TestPacks.byName("tiny-sd").toString(),
            "--prompt",
            "a cat",
            "--steps",
            "1",
            "--crop-top-left",
            "0,8",
            "--out",
            dir.resolve("c.png").toString());
    assertTrue(sd1.code() != 0);
    assertTrue(
        sd1.err().startsWith("stepwise: ") && sd1.err().contains("SDXL models only"), sd1.err());
    assertEquals(1, sd1.err().strip().lines().count(), sd1.err());
  }

  @Test
  void theTimestepSpacingIsRecordedAndABadOneIsOneSentence() throws Exception {
    Path out = dir.resolve("trailing.png");
    String model = TestPacks.byName("tiny-sdxl").toString();
    CliTest.Run r =
        CliTest.cli(
            "generate",
            "--model",
            model,
            "--prompt",
            "a cat",
            "--steps",
            "1",
            "--guidance",
            "0",
            "--sampler",
            "euler_a",
            "--timestep-spacing",
            "trailing",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    dev.stepwise.gallery.Recipe recipe = dev.stepwise.gallery.ImageParameters.read(out).recipe();
    assertEquals("trailing", recipe.timestepSpacing());
    CliTest.Run bad =
        CliTest.cli(
            "generate",
            "--model",
            model,
            "--prompt",
            "a cat",
            "--timestep-spacing",
            "sideways",
            "--out",
            dir.resolve("b.png").toString());
    assertEquals(2, bad.code());
    assertEquals(
        "stepwise: --timestep-spacing must be leading, trailing or linspace, got \"sideways\".",
        bad.err().strip());
  }
}
