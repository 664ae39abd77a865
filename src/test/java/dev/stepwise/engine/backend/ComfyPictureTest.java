package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.image.Masks;
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.Sampler;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15's follow-up: inpainting, outpainting and the hires fix on a ComfyUI server ({@link
 * ComfyFake}), the graphs whole, the uploaded picture's alpha and the results' sizes and pixels.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ComfyPictureTest {
  private static final class Seen implements GenerationListener {
    final List<StepEvent> steps = new CopyOnWriteArrayList<>();

    @Override
    public void step(StepEvent e) {
      steps.add(e);
    }
  }

  private static final String HEAD =
      "'1': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name':"
          + " 'sd15/v1-5.safetensors'}}, '3': {'class_type': 'CLIPTextEncode', 'inputs': {'text':"
          + " 'a red fox', 'clip': ['1', 1]}}, '4': {'class_type': 'CLIPTextEncode', 'inputs':"
          + " {'text': 'blurry', 'clip': ['1', 1]}}, ";

  private static final String TAIL =
      ", '9': {'class_type': 'SaveImage', 'inputs': {'images': ['7', 0], 'filename_prefix':"
          + " 'stepwise'}}";

  private static String sampler(String id, int steps, String latent, double denoise) {
    return "'"
        + id
        + "': {'class_type': 'KSampler', 'inputs': {'model': ['1', 0], 'seed': 41, 'steps': "
        + steps
        + ", 'cfg': 6.5, 'sampler_name': 'euler', 'scheduler': 'normal', 'positive': ['3', 0],"
        + " 'negative': ['4', 0], 'latent_image': ['"
        + latent
        + "', 0], 'denoise': "
        + denoise
        + "}}";
  }

  /** Node 6 of a run from a picture: the recipe's 4 steps from {@code start}. */
  private static String advanced(int start, String latent) {
    return "'6': {'class_type': 'KSamplerAdvanced', 'inputs': {'model': ['1', 0], 'add_noise':"
        + " 'enable', 'noise_seed': 41, 'steps': 4, 'cfg': 6.5, 'sampler_name': 'euler',"
        + " 'scheduler': 'normal', 'positive': ['3', 0], 'negative': ['4', 0], 'latent_image': ['"
        + latent
        + "', 0], 'start_at_step': "
        + start
        + ", 'end_at_step': 10000, 'return_with_leftover_noise': 'disable'}}";
  }

  private static String decode(String from) {
    return "'7': {'class_type': 'VAEDecode', 'inputs': {'samples': ['"
        + from
        + "', 0], 'vae': ['1', 2]}}";
  }

  private static GenerationRequest.Builder job() {
    return GenerationRequest.builder()
        .prompt("a red fox")
        .negativePrompt("blurry")
        .seed(41)
        .steps(4)
        .guidance(6.5)
        .sampler(Sampler.EULER)
        .model(Path.of("v1-5"));
  }

  /** A w x h picture of one colour. */
  private static RgbImage plain(int w, int h, int r, int g, int b) {
    byte[] px = new byte[w * h * 3]; // [H, W, 3]
    for (int i = 0; i < px.length; i += 3) {
      px[i] = (byte) r;
      px[i + 1] = (byte) g;
      px[i + 2] = (byte) b;
    }
    return new RgbImage(w, h, px);
  }

  /** A w x h mask, white (repaint) in [x0, x1) x [y0, y1). */
  private static RgbImage rect(int w, int h, int x0, int y0, int x1, int y1) {
    byte[] px = new byte[w * h * 3]; // [H, W, 3]
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        java.util.Arrays.fill(px, (y * w + x) * 3, (y * w + x) * 3 + 3, (byte) 255);
      }
    }
    return new RgbImage(w, h, px);
  }

  private static BufferedImage upload(ComfyFake fake) throws Exception {
    assertEquals(1, fake.uploads.size());
    return ImageIO.read(new ByteArrayInputStream(fake.uploads.get(0)));
  }

  private static int rgb(RgbImage img, int x, int y) {
    int i = (y * img.width() + x) * 3;
    byte[] p = img.rgb();
    return (p[i] & 0xff) << 16 | (p[i + 1] & 0xff) << 8 | (p[i + 2] & 0xff);
  }

  @Test
  void inpaintingSendsTheMaskAsTheUploadsAlphaAndKeepsTheUnmaskedPixels() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      RgbImage init = plain(32, 32, 200, 100, 50);
      RgbImage mask = rect(32, 32, 8, 8, 24, 16); // whole 8x8 blocks
      GenerationRequest r =
          job().size(32, 32).input(new ImageInput(init, mask, ImageSettings.of(0.8))).build();
      Seen seen = new Seen();
      GenerationResult result = b.run(r, seen, new CancellationToken());

      String expected =
          "{"
              + HEAD
              + "'8': {'class_type': 'LoadImage', 'inputs': {'image': 'up.png'}}, '5':"
              + " {'class_type': 'VAEEncode', 'inputs': {'pixels': ['8', 0], 'vae': ['1', 2]}},"
              + " '10': {'class_type': 'SetLatentNoiseMask', 'inputs': {'samples': ['5', 0],"
              + " 'mask': ['8', 1]}}, "
              + advanced(StrengthSchedule.img2img(Sampler.EULER, 4, 0.8).start(), "10")
              + ", "
              + decode("6")
              + TAIL
              + "}";
      assertEquals(JsonParser.parseString(expected), fake.graphs.get(0));

      BufferedImage up = upload(fake);
      assertTrue(up.getColorModel().hasAlpha(), "the mask travels as alpha");
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          boolean masked = x >= 8 && x < 24 && y >= 8 && y < 16;
          int argb = up.getRGB(x, y);
          assertEquals(masked ? 0 : 255, argb >>> 24, "alpha = 255 - mask at " + x + "," + y);
          assertEquals(0xc86432, argb & 0xffffff, "keep uploads the picture under the mask too");
        }
      }

      RgbImage made = result.images().get(0).image();
      int server = 41 << 16 | 0 << 8 | 7; // ComfyFake.pixels of seed 41
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          boolean masked = x >= 8 && x < 24 && y >= 8 && y < 16;
          assertEquals(masked ? server : 0xc86432, rgb(made, x, y), "pixel " + x + "," + y);
        }
      }
      assertEquals(StrengthSchedule.img2img(Sampler.EULER, 4, 0.8).steps(), seen.steps.size());
      assertEquals("0.8", result.images().get(0).parameters().get("Denoising strength"));
    }
  }

  @Test
  void fillPaintsTheMaskedAreaAndABlurredMaskBecomesWholeLatentBlocks() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      byte[] px = plain(48, 32, 255, 0, 0).rgb(); // [H, W, 3]: red, the right half blue
      for (int y = 0; y < 32; y++) {
        for (int x = 24; x < 48; x++) {
          px[(y * 48 + x) * 3] = 0;
          px[(y * 48 + x) * 3 + 2] = (byte) 255;
        }
      }
      RgbImage init = new RgbImage(48, 32, px);
      RgbImage mask = rect(48, 32, 10, 6, 35, 27);
      ImageSettings s = new ImageSettings(0.7, null, 3, MaskedContent.FILL, null);
      b.run(
          job().size(48, 32).input(new ImageInput(init, mask, s)).build(),
          new Seen(),
          new CancellationToken());

      byte[] blurred = Masks.blur(Masks.binary(Masks.grey(mask.rgb())), 48, 32, 3); // [H, W]
      byte[] filled = Masks.fill(px, blurred, 48, 32); // [H, W, 3], the local engine's "fill"
      float[] repaint = Masks.latentRepaint(blurred, 48, 32, 6, 4); // [h, w]
      BufferedImage up = upload(fake);
      int repainted = 0;
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 48; x++) {
          int i = (y * 48 + x) * 3;
          int want =
              (filled[i] & 0xff) << 16 | (filled[i + 1] & 0xff) << 8 | (filled[i + 2] & 0xff);
          int argb = up.getRGB(x, y);
          assertEquals(want, argb & 0xffffff, "filled pixel " + x + "," + y);
          boolean r = repaint[(y / 8) * 6 + x / 8] == 1;
          repainted += r ? 1 : 0;
          assertEquals(r ? 0 : 255, argb >>> 24, "the latent block's mask at " + x + "," + y);
        }
      }
      assertTrue(repainted > 0 && repainted < 48 * 32, "some blocks repainted: " + repainted);
      assertNotEquals(
          rgb(init, 20, 15), up.getRGB(20, 15) & 0xffffff, "fill changed the masked pixels");
    }
  }

  @Test
  void outpaintingUploadsTheGrownCanvasWithItsBordersMasked() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      RgbImage init = plain(16, 16, 10, 20, 30);
      ImageSettings s = new ImageSettings(1, null, 0, null, new Outpaint(8, 0, 8, 0));
      GenerationResult result =
          b.run(
              job().input(new ImageInput(init, null, s)).build(),
              new Seen(),
              new CancellationToken());
      BufferedImage up = upload(fake);
      assertEquals(32, up.getWidth());
      assertEquals(16, up.getHeight());
      RgbImage made = result.images().get(0).image();
      assertEquals(32, made.width(), "the canvas size, as the local engine's");
      assertEquals(16, made.height());
      int server = 41 << 16 | 7;
      for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 32; x++) {
          boolean border = x < 8 || x >= 24;
          int argb = up.getRGB(x, y);
          assertEquals(border ? 0 : 255, argb >>> 24, "alpha at " + x + "," + y);
          assertEquals(0x0a141e, argb & 0xffffff, "the edge pixels repeated at " + x);
          assertEquals(border ? server : 0x0a141e, rgb(made, x, y), "result at " + x + "," + y);
        }
      }
      JsonObject k = fake.graphs.get(0).getAsJsonObject("6");
      assertEquals("KSamplerAdvanced", k.get("class_type").getAsString());
      assertEquals(
          StrengthSchedule.img2img(Sampler.EULER, 4, 1).start(),
          k.getAsJsonObject("inputs").get("start_at_step").getAsInt(),
          "strength 1 starts where the local engine does");
    }
  }

  @Test
  void theLatentHiresFixSamplesTwiceAndItsStepsFollowOn() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      Seen seen = new Seen();
      GenerationRequest r = job().size(16, 24).hires(new HiresSettings(1.5, 3, 0.5, null)).build();
      GenerationResult result = b.run(r, seen, new CancellationToken());
      String expected =
          "{"
              + HEAD
              + "'5': {'class_type': 'EmptyLatentImage', 'inputs': {'width': 16, 'height': 24,"
              + " 'batch_size': 1}}, "
              + sampler("6", 4, "5", 1.0)
              + ", '13': {'class_type': 'LatentUpscale', 'inputs': {'samples': ['6', 0],"
              + " 'upscale_method': 'bilinear', 'width': 24, 'height': 32, 'crop': 'disabled'}}, "
              + sampler("14", 3, "13", 0.5)
              + ", "
              + decode("14")
              + TAIL
              + "}";
      assertEquals(JsonParser.parseString(expected), fake.graphs.get(0));
      GeneratedImage img = result.images().get(0);
      assertEquals(24, img.image().width(), "int(16 * 1.5) = 24");
      assertEquals(32, img.image().height(), "int(24 * 1.5) = 36, down to 32");
      assertEquals(16, img.recipeWidth(), "the recipe records the first pass's size");
      assertEquals(24, img.recipeHeight());
      assertEquals(16, result.request().settings().width());
      assertEquals("1.5", img.parameters().get("Hires upscale"));
      assertEquals(7, seen.steps.size(), "four steps, then three: " + seen.steps);
      for (int n = 0; n < 7; n++) {
        assertEquals(n, seen.steps.get(n).step());
        assertEquals(7, seen.steps.get(n).totalSteps());
      }
    }
  }

  @Test
  void theLanczosHiresFixDecodesScalesAndEncodes() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      GenerationRequest r =
          job().size(16, 16).hires(new HiresSettings(2, 0, 0.3, HiresUpscaler.LANCZOS)).build();
      GenerationResult result = b.run(r, new Seen(), new CancellationToken());
      JsonObject g = fake.graphs.get(0);
      String expected =
          "{"
              + HEAD
              + "'5': {'class_type': 'EmptyLatentImage', 'inputs': {'width': 16, 'height': 16,"
              + " 'batch_size': 1}}, "
              + sampler("6", 4, "5", 1.0)
              + ", '11': {'class_type': 'VAEDecode', 'inputs': {'samples': ['6', 0], 'vae':"
              + " ['1', 2]}}, '12': {'class_type': 'ImageScale', 'inputs': {'image': ['11', 0],"
              + " 'upscale_method': 'lanczos', 'width': 32, 'height': 32, 'crop': 'disabled'}},"
              + " '13': {'class_type': 'VAEEncode', 'inputs': {'pixels': ['12', 0], 'vae': ['1',"
              + " 2]}}, "
              + sampler("14", 4, "13", 0.3)
              + ", "
              + decode("14")
              + TAIL
              + "}";
      assertEquals(JsonParser.parseString(expected), g);
      assertEquals(32, result.images().get(0).image().width());
      assertEquals(32, result.images().get(0).image().height());

      // latent-nearest at a whole scale picks the same pixels as ComfyUI's nearest-exact
      fake.graphs.clear();
      b.run(
          job()
              .size(16, 16)
              .hires(new HiresSettings(2, 2, 0.5, HiresUpscaler.LATENT_NEAREST))
              .build(),
          new Seen(),
          new CancellationToken());
      assertEquals(
          "nearest-exact",
          fake.graphs
              .get(0)
              .getAsJsonObject("13")
              .getAsJsonObject("inputs")
              .get("upscale_method")
              .getAsString());
    }
  }

  @Test
  void latentNoiseIsRefusedInOneSentenceBeforeAnythingIsSent() throws Exception {
    try (ComfyFake fake = new ComfyFake();
        ComfyBackend b = new ComfyBackend(fake.url())) {
      RgbImage img = plain(16, 16, 1, 2, 3);
      ImageSettings s = new ImageSettings(0.5, null, 0, MaskedContent.NOISE, null);
      var e =
          org.junit.jupiter.api.Assertions.assertThrows(
              dev.stepwise.engine.EngineException.class,
              () ->
                  b.run(
                      job().input(new ImageInput(img, rect(16, 16, 0, 0, 8, 8), s)).build(),
                      new Seen(),
                      new CancellationToken()));
      assertEquals(
          "The ComfyUI backend "
              + fake.url()
              + " cannot run the masked content noise (ComfyUI cannot put the seed's noise in the"
              + " masked latents; keep and fill run there); that runs on the local engine (leave"
              + " out --backend).",
          e.getMessage());
      assertEquals(List.of(), fake.requests, "nothing was sent");
      // without a mask or borders the masked content does not matter: plain img2img runs
      b.run(job().input(new ImageInput(img, null, s)).build(), new Seen(), new CancellationToken());
      assertEquals(1, fake.graphs.size());
      assertTrue(!fake.graphs.get(0).has("10"), "no mask node for plain img2img");
      assertTrue(!upload(fake).getColorModel().hasAlpha(), "an RGB upload");
    }
  }

  @Test
  void theFakeRefusesAGraphAsComfyUiValidatesIt() {
    JsonObject g =
        JsonParser.parseString(
                "{'1': {'class_type': 'CheckpointLoaderSimple', 'inputs': {'ckpt_name': 'x'}},"
                    + " '7': {'class_type': 'VAEDecode', 'inputs': {'samples': ['1', 0], 'vae':"
                    + " ['1', 2]}}}")
            .getAsJsonObject();
    String body = ComfyGraphs.refusal(g);
    assertEquals(
        "Prompt outputs failed validation; VAEDecode: Return type mismatch (samples: MODEL,"
            + " LATENT)",
        ComfyJob.refusalDetail(JsonParser.parseString(body)));
    g.getAsJsonObject("7")
        .getAsJsonObject("inputs")
        .add("samples", JsonParser.parseString("['1', 9]"));
    assertTrue(ComfyGraphs.refusal(g).contains("mismatch"), "an output the node does not have");
    assertArrayEquals(
        new int[] {8, 8},
        ComfyGraphs.size(
            JsonParser.parseString(
                    "{'5': {'class_type': 'EmptyLatentImage', 'inputs': {'width': 8, 'height': 8,"
                        + " 'batch_size': 1}}}")
                .getAsJsonObject(),
            "5",
            n -> null));
  }
}
