package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SamplerSettings;
import dev.stepwise.engine.sampling.SamplingRun;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.ResizeMode;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Starting from a picture, against closed forms: strength 0 is the autoencoder's round trip;
 * strength s noises the init latents to the first step's level exactly as q(x_t | x_0) with the
 * seed's noise (every sampler, the built-in pack's schedule: 0.118 x0 at t = 901 for 10 DDIM steps
 * at strength 1); each sampler family runs the step count of its upstream rule; pixels outside a
 * mask are the init image's exactly at blur 0; outpainting and the hires fix give the sizes and
 * steps they promise.
 */
class Img2ImgTest {
  private static DiffusionModel tiny;

  @TempDir Path tmp;

  @BeforeAll
  static void load() {
    tiny = DiffusionModel.load(TestPacks.tinySd(), Device.cpu());
  }

  @AfterAll
  static void close() {
    tiny.close();
  }

  static NoiseSchedule builtInSchedule(SchedulerConfig[] cfg) throws Exception {
    JsonObject json =
        JsonParser.parseString(
                Files.readString(TestPacks.builtIn().resolve("scheduler/scheduler_config.json")))
            .getAsJsonObject();
    cfg[0] = SchedulerConfig.fromJson(json);
    return NoiseSchedule.of(cfg[0]);
  }

  static Latents seeded(long seed, int n) {
    return new Latents(new SeedNoise(seed).next(4 * n * n), 1, 4, n, n);
  }

  @Test
  void strengthOneStartsAt901WithAFewPercentOfTheImage() throws Exception {
    SchedulerConfig[] cfg = new SchedulerConfig[1];
    NoiseSchedule schedule = builtInSchedule(cfg);
    StrengthSchedule plan = StrengthSchedule.img2img(Sampler.DDIM, 10, 1.0);
    assertEquals(new StrengthSchedule(10, 0), plan);
    Latents x0 = seeded(1, 16);
    Latents noise = seeded(2, 16);
    SamplingRun run =
        SamplingRun.start(
            schedule, cfg[0], SamplerSettings.defaults(Sampler.DDIM, 10), noise, null);
    run.startFrom(plan.start(), x0, noise);
    assertEquals(901.0, run.timesteps()[0]);
    double a = schedule.alphaCumprod(901);
    assertEquals(0.1183, Math.sqrt(a), 5e-5); // the 0.118 x0
    float[] got = run.latents().data();
    for (int k = 0; k < got.length; k++) {
      double want = Math.sqrt(a) * x0.data()[k] + Math.sqrt(1 - a) * noise.data()[k];
      assertEquals(want, got[k], 1e-6, "element " + k);
    }
  }

  @ParameterizedTest
  @EnumSource(Sampler.class)
  void theNoisingIsTheClosedFormAtEveryStrength(Sampler kind) throws Exception {
    SchedulerConfig[] cfg = new SchedulerConfig[1];
    NoiseSchedule schedule = builtInSchedule(cfg);
    Latents x0 = seeded(3, 4);
    Latents noise = seeded(4, 4);
    for (double s : new double[] {0.25, 0.5, 0.75, 1.0}) {
      int steps = 20;
      StrengthSchedule plan = StrengthSchedule.img2img(kind, steps, s);
      boolean diffusers = kind == Sampler.DDIM || kind == Sampler.DDPM;
      // diffusers: min(int(N s), N) steps; A1111's k-diffusion: int(min(s, 0.999) N) + 1.
      int expected = diffusers ? (int) (steps * s) : (int) (Math.min(s, 0.999) * steps) + 1;
      assertEquals(expected, plan.steps(), kind + " at " + s);
      SamplingRun run =
          SamplingRun.start(
              schedule,
              cfg[0],
              SamplerSettings.defaults(kind, plan.scheduleSteps()),
              noise,
              new SeedNoise(9));
      run.startFrom(plan.start(), x0, noise);
      int t = (int) run.timesteps()[plan.start()];
      assertEquals(run.timesteps()[plan.start()], t, "an integer timestep (leading spacing)");
      double a = schedule.alphaCumprod(t);
      boolean sigmaSpace = kind == Sampler.EULER || kind == Sampler.EULER_A;
      float[] got = run.latents().data();
      for (int k = 0; k < got.length; k++) {
        double want =
            sigmaSpace
                ? x0.data()[k] + Math.sqrt((1 - a) / a) * noise.data()[k] // x0 + sigma eps
                : Math.sqrt(a) * x0.data()[k] + Math.sqrt(1 - a) * noise.data()[k];
        assertEquals(want, got[k], 2e-6 * Math.max(1, Math.abs(want)), kind + " s=" + s);
      }
      assertEquals(plan.steps(), countSteps(run));
    }
  }

  private static int countSteps(SamplingRun run) {
    return run.totalSteps() - run.nextIndex();
  }

  @Test
  void theHiresScheduleRunsItsStepsFromALongerOne() {
    assertEquals(new StrengthSchedule(20, 10), StrengthSchedule.hires(10, 0.5));
    assertEquals(new StrengthSchedule(10, 0), StrengthSchedule.hires(10, 1.0));
    assertEquals(new StrengthSchedule(12, 3), StrengthSchedule.hires(9, 0.7)); // int(12.86)
    assertEquals(new StrengthSchedule(7, 7), StrengthSchedule.hires(7, 0));
  }

  static RgbImage pattern(int w, int h) {
    byte[] rgb = new byte[w * h * 3];
    for (int p = 0; p < w * h; p++) {
      int x = p % w;
      int y = p / w;
      rgb[p * 3] = (byte) (x * 7 + y * 3);
      rgb[p * 3 + 1] = (byte) (200 - x * 5);
      rgb[p * 3 + 2] = (byte) (y * 9);
    }
    return new RgbImage(w, h, rgb);
  }

  /** White inside a circle of radius r around (cx, cy): not aligned to the latent grid. */
  static RgbImage circle(int w, int h, double cx, double cy, double r) {
    byte[] rgb = new byte[w * h * 3];
    for (int p = 0; p < w * h; p++) {
      double dx = p % w - cx;
      double dy = p / w - cy;
      if (dx * dx + dy * dy <= r * r) {
        rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = (byte) 255;
      }
    }
    return new RgbImage(w, h, rgb);
  }

  private GenerationResult run(GenerationRequest r, List<StepEvent> events) {
    return new Pipeline(tiny)
        .run(
            r,
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                events.add(e);
              }
            },
            new CancellationToken());
  }

  private static GenerationRequest.Builder request(Sampler s, int steps, long seed) {
    return GenerationRequest.builder()
        .prompt("a red heart emoji")
        .guidance(3)
        .sampler(s)
        .steps(steps)
        .seed(seed);
  }

  @ParameterizedTest
  @EnumSource(
      value = Sampler.class,
      names = {"DDIM", "EULER"})
  void strengthZeroIsTheAutoencodersRoundTrip(Sampler kind) {
    RgbImage init = pattern(32, 32);
    List<StepEvent> events = new ArrayList<>();
    GenerationResult r =
        run(
            request(kind, 10, 5).input(new ImageInput(init, null, ImageSettings.of(0))).build(),
            events);
    assertEquals(0, events.size());
    float[] z = tiny.encodeToLatents(PictureStart.signed(init.rgb(), 32, 32), 1, 32, 32);
    RgbImage roundTrip = RgbImage.fromChw(tiny.decodeToPixels(z, 1, 8, 8), 32, 32);
    assertArrayEquals(roundTrip.rgb(), r.images().get(0).image().rgb());
    assertEquals("0.0", r.parameters().get("Denoising strength"));
  }

  @ParameterizedTest
  @EnumSource(MaskedContent.class)
  void pixelsOutsideTheMaskAreTheInitImageExactly(MaskedContent content) {
    RgbImage init = pattern(40, 32);
    RgbImage mask = circle(40, 32, 17.3, 14.6, 7.2);
    ImageSettings s = new ImageSettings(0.7, ResizeMode.FILL, 0, content, null);
    GenerationResult r =
        run(
            request(Sampler.EULER_A, 6, 8).input(new ImageInput(init, mask, s)).build(),
            new ArrayList<>());
    RgbImage out = r.images().get(0).image();
    assertEquals(40, out.width());
    int changed = 0;
    for (int p = 0; p < 40 * 32; p++) {
      boolean masked = (mask.rgb()[p * 3] & 0xff) > 128;
      for (int c = 0; c < 3; c++) {
        if (!masked) {
          assertEquals(init.rgb()[p * 3 + c], out.rgb()[p * 3 + c], "pixel " + p);
        } else if (init.rgb()[p * 3 + c] != out.rgb()[p * 3 + c]) {
          changed++;
        }
      }
    }
    assertTrue(changed > 100, "the masked area was repainted: " + changed + " values changed");
    if (content == MaskedContent.KEEP) {
      assertTrue(!r.parameters().containsKey("Masked content"));
    } else {
      assertEquals(content.a1111Name(), r.parameters().get("Masked content"));
    }
  }

  @Test
  void aBlurFeathersTheEdgeAndLeavesFarPixelsExact() {
    RgbImage init = pattern(48, 48);
    RgbImage mask = circle(48, 48, 24, 24, 6);
    ImageSettings s = new ImageSettings(0.8, ResizeMode.FILL, 3, MaskedContent.KEEP, null);
    GenerationResult r =
        run(
            request(Sampler.DDIM, 5, 2).input(new ImageInput(init, mask, s)).build(),
            new ArrayList<>());
    RgbImage out = r.images().get(0).image();
    int feathered = 0;
    for (int p = 0; p < 48 * 48; p++) {
      double d = Math.hypot(p % 48 - 24, p / 48 - 24) - 6; // distance outside the circle
      boolean same = true;
      for (int c = 0; c < 3; c++) {
        same &= init.rgb()[p * 3 + c] == out.rgb()[p * 3 + c];
      }
      if (d > 2 * (2 * (int) (2.5 * 3 + 0.5) + 1)) {
        assertTrue(same, "far pixel " + p);
      } else if (d > 0.5 && d < 3 && !same) {
        feathered++;
      }
    }
    assertTrue(feathered > 0, "pixels just outside the mask blend");
    assertEquals("3", r.parameters().get("Mask blur"));
  }

  @Test
  void outpaintingGrowsTheCanvasAndKeepsTheImage() {
    RgbImage init = pattern(24, 16);
    ImageSettings s =
        new ImageSettings(1.0, ResizeMode.FILL, 0, MaskedContent.FILL, new Outpaint(4, 0, 4, 8));
    GenerationResult r =
        run(
            request(Sampler.EULER, 4, 3).input(new ImageInput(init, null, s)).build(),
            new ArrayList<>());
    RgbImage out = r.images().get(0).image();
    assertEquals(32, out.width());
    assertEquals(24, out.height());
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 24; x++) {
        assertEquals(init.rgbAt(x, y), out.rgbAt(x + 4, y), "kept pixel " + x + "," + y);
      }
    }
    assertEquals("4,0,4,8", r.parameters().get("Outpaint"));
    assertEquals("fill", r.parameters().get("Masked content"));
  }

  @ParameterizedTest
  @EnumSource(HiresUpscaler.class)
  void theHiresFixRunsBothPassesAtTheirSizes(HiresUpscaler upscaler) {
    List<StepEvent> events = new ArrayList<>();
    GenerationResult r =
        run(
            request(Sampler.EULER, 4, 6)
                .size(32, 32)
                .hires(new HiresSettings(2, 3, 0.5, upscaler))
                .build(),
            events);
    RgbImage out = r.images().get(0).image();
    assertEquals(64, out.width());
    assertEquals(64, out.height());
    assertEquals(7, events.size());
    assertEquals(6, events.get(6).step());
    assertEquals(7, events.get(6).totalSteps());
    assertEquals(8, events.get(3).noisyLatent().width());
    assertEquals(16, events.get(4).noisyLatent().width());
    assertEquals("0.5", r.parameters().get("Denoising strength"));
    assertEquals("2.0", r.parameters().get("Hires upscale"));
    assertEquals("3", r.parameters().get("Hires steps"));
    assertEquals(upscaler.a1111Name(), r.parameters().get("Hires upscaler"));
  }

  @Test
  void anInpaintingModelMakesPicturesFromTextToo() throws Exception {
    try (SafetensorsFile g = SafetensorsFile.open(Img2ImgGoldenTest.FILE);
        DiffusionModel model =
            DiffusionModel.load(Img2ImgGoldenTest.inpaintingPack(tmp, g), Device.cpu())) {
      GenerationResult r =
          new Pipeline(model)
              .run(
                  request(Sampler.DDIM, 3, 1).size(32, 24).build(),
                  new GenerationListener() {},
                  new CancellationToken());
      assertEquals(24, r.images().get(0).image().height());
    }
  }

  @Test
  void badInputIsOneSentence() {
    RgbImage init = pattern(16, 16);
    EngineException size =
        assertThrows(
            EngineException.class,
            () -> new ImageInput(init, pattern(16, 12), ImageSettings.of(0.5)));
    assertEquals(
        "The mask is 16x12 but the init image is 16x16; give a mask of the init image's size.",
        size.getMessage());
    RecipeException strength = assertThrows(RecipeException.class, () -> ImageSettings.of(1.5));
    assertEquals("Denoising strength must be between 0 and 1, got 1.5.", strength.getMessage());
    assertThrows(RecipeException.class, () -> ImageSettings.of(Double.NaN));
    assertThrows(RecipeException.class, () -> ImageSettings.of(-0.1));
    EngineException hires =
        assertThrows(
            EngineException.class,
            () ->
                new Pipeline(tiny)
                    .validate(
                        request(Sampler.DDIM, 4, 1)
                            .size(32, 32)
                            .input(new ImageInput(init, null, ImageSettings.of(0.5)))
                            .hires(new HiresSettings(2, 0, 0.5, null))
                            .build()));
    assertTrue(hires.getMessage().startsWith("The hires fix enlarges a picture made from text"));
    EngineException tooLong =
        assertThrows(
            EngineException.class,
            () ->
                new Pipeline(tiny)
                    .validate(
                        request(Sampler.DDIM, 4, 1)
                            .size(32, 32)
                            .hires(new HiresSettings(2, 900, 0.5, null))
                            .build()));
    assertTrue(
        tooLong.getMessage().contains("need a schedule of 1800 steps"), tooLong.getMessage());
  }

  @Test
  void withoutASizeTheInitImagesSizeIsUsedRoundedDown() {
    RgbImage init = pattern(37, 22);
    GenerationRequest r =
        new Pipeline(tiny)
            .resolve(
                request(Sampler.DDIM, 4, 1)
                    .input(new ImageInput(init, null, ImageSettings.of(0.5)))
                    .build());
    assertEquals(36, r.settings().width());
    assertEquals(20, r.settings().height());
    GenerationRequest wide =
        new Pipeline(tiny)
            .resolve(
                request(Sampler.DDIM, 4, 1)
                    .size(74, 0)
                    .input(new ImageInput(init, null, ImageSettings.of(0.5)))
                    .build());
    assertEquals(72, wide.settings().width());
    assertEquals(44, wide.settings().height());
  }
}
