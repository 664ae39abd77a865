package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.metadata.ServerParameters;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.ResizeMode;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.serve.ApiServer;
import dev.stepwise.serve.ServeConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: img2img, inpainting and the hires fix sent to a server ({@code stepwise serve} with the
 * tiny pack, loopback) give the local engine's pixels for the same recipe, since the server runs
 * the same engine; what cannot be sent is refused before sending.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class A1111PicturesTest {
  @TempDir static Path dir;
  private static ApiServer server;
  private static SamplingService local;
  private static SamplingService remote;
  private static String url;

  @BeforeAll
  static void start() throws Exception {
    server =
        ApiServer.start(
            new ServeConfig(
                ServeConfig.LOOPBACK,
                0,
                null,
                null,
                dir.resolve("models"),
                TestPacks.tinySd().toAbsolutePath(),
                null,
                PreviewMethod.AUTO,
                null));
    url = "http://127.0.0.1:" + server.address().getPort();
    local = new SamplingService(TestPacks.tinySd());
    remote = new SamplingService(new A1111Backend(url));
  }

  @AfterAll
  static void stop() {
    remote.close();
    local.close();
    server.close();
  }

  /** A 32x32 picture: a gradient with a square, and its mask (white square repaints). */
  private static ImageInput input(ImageSettings s, boolean masked) {
    byte[] rgb = new byte[32 * 32 * 3]; // [H, W, 3]
    byte[] mask = new byte[32 * 32 * 3]; // [H, W, 3]
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int p = (y * 32 + x) * 3;
        boolean inside = x >= 8 && x < 24 && y >= 8 && y < 24;
        rgb[p] = (byte) (x * 8);
        rgb[p + 1] = (byte) (y * 8);
        rgb[p + 2] = (byte) (inside ? 200 : 30);
        mask[p] = mask[p + 1] = mask[p + 2] = (byte) (inside ? 255 : 0);
      }
    }
    return new ImageInput(new RgbImage(32, 32, rgb), masked ? new RgbImage(32, 32, mask) : null, s);
  }

  private static GenerationResult run(SamplingService on, GenerationRequest r) throws Exception {
    return on.submit(r, new GenerationListener() {}).result().get(240, TimeUnit.SECONDS);
  }

  private static void samePixels(GenerationRequest r) throws Exception {
    GenerationResult here = run(local, r);
    GenerationResult there = run(remote, r);
    assertEquals(here.images().size(), there.images().size());
    for (int i = 0; i < here.images().size(); i++) {
      GeneratedImage a = here.images().get(i);
      GeneratedImage b = there.images().get(i);
      assertEquals(a.image().width(), b.image().width());
      assertEquals(a.image().height(), b.image().height());
      assertArrayEquals(a.image().rgb(), b.image().rgb(), "image " + i + " of " + r.settings());
      assertEquals(a.seed(), b.seed());
      assertEquals(a.recipeWidth(), b.recipeWidth());
      assertEquals(a.recipeHeight(), b.recipeHeight());
      for (var e : a.parameters().entrySet()) {
        if (!e.getKey().equals("TI hashes")) {
          assertEquals(e.getValue(), b.parameters().get(e.getKey()), e.getKey());
        }
      }
      assertEquals(url, b.parameters().get(ServerParameters.BACKEND));
      assertEquals(here.model().hash(), b.parameters().get("Model hash"));
      String text = b.parameters().get(ServerParameters.SERVER_PARAMETERS);
      assertTrue(text != null && text.contains("Seed: " + a.seed()), text);
    }
  }

  @Test
  void img2imgGivesTheLocalEnginesPixels() throws Exception {
    samePixels(
        GenerationRequest.builder()
            .prompt("a red heart")
            .seed(11)
            .steps(6)
            .sampler(Sampler.EULER_A)
            .input(
                input(new ImageSettings(0.6, ResizeMode.FILL, 0, MaskedContent.KEEP, null), false))
            .batch(2)
            .build());
  }

  @Test
  void inpaintingWithAMaskGivesTheLocalEnginesPixels() throws Exception {
    samePixels(
        GenerationRequest.builder()
            .prompt("a blue square")
            .seed(12)
            .steps(5)
            .sampler(Sampler.DPMPP_2M)
            .input(
                input(
                    new ImageSettings(0.8, ResizeMode.STRETCH, 3, MaskedContent.NOISE, null), true))
            .build());
    samePixels(
        GenerationRequest.builder()
            .prompt("a blue square")
            .seed(13)
            .steps(4)
            .size(40, 32)
            .input(input(new ImageSettings(0.7, ResizeMode.FIT, 0, MaskedContent.FILL, null), true))
            .build());
  }

  @Test
  void theHiresFixGivesTheLocalEnginesPixels() throws Exception {
    samePixels(
        GenerationRequest.builder()
            .prompt("a red heart")
            .seed(14)
            .steps(4)
            .size(32, 32)
            .hires(new HiresSettings(1.5, 3, 0.6, HiresUpscaler.LATENT))
            .build());
  }

  @Test
  void whatCannotBeSentIsRefusedBeforeSending() {
    GenerationRequest outpaint =
        GenerationRequest.builder()
            .prompt("a")
            .input(
                input(
                    new ImageSettings(
                        0.5, ResizeMode.FILL, 0, MaskedContent.KEEP, new Outpaint(8, 0, 0, 0)),
                    false))
            .build();
    EngineException e =
        assertThrows(EngineException.class, () -> new A1111Backend(url).run(outpaint, null, null));
    assertEquals(
        "The backend "
            + url
            + " cannot be sent outpainting borders; such a run goes on the local engine (leave"
            + " out --backend).",
        e.getMessage());
    JsonObject b =
        A1111Backend.body(
            GenerationRequest.builder()
                .prompt("a")
                .input(input(ImageSettings.of(0.5), true))
                .build(),
            "Euler");
    assertEquals(32, b.get("width").getAsInt(), "the init image's size, not A1111's 512");
    assertFalse(b.get("inpaint_full_res").getAsBoolean(), "the whole picture, as here");
    assertEquals(1, b.get("inpainting_fill").getAsInt(), "original");
    assertEquals(1, b.get("resize_mode").getAsInt(), "crop and resize");
    assertEquals(1, b.getAsJsonArray("init_images").size());
    assertNull(b.get("enable_hr"));
  }
}
