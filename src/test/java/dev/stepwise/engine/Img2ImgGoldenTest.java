package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.SamplerSettings;
import dev.stepwise.engine.sampling.SamplingRun;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Img2img, masked inpainting and a 9-channel inpainting UNet against the project's PyTorch
 * reference (models/training/stepwise_train/img2img.py; goldens from make_img2img_goldens.py,
 * docs/goldens.md): the same tiny pack (tiny-sd2: v-prediction, trailing spacing), init image, mask
 * and seed give the same first noised latents, timesteps, final latents and image. Tolerances as
 * the other goldens: latents max|java - torch| / max|torch| <= 1e-3, pixels within 2/255; outside a
 * mask (blur 0) the init image exactly.
 */
class Img2ImgGoldenTest {
  static final Path FILE = TestPacks.GOLDEN.resolve("img2img.safetensors");
  static final int SIZE = 32;

  @TempDir Path tmp;

  /** The golden's init image: R = 8x mod 256, G = 8y mod 256, B = 4(x + y) mod 256. */
  static RgbImage initImage() {
    byte[] rgb = new byte[SIZE * SIZE * 3];
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        int p = (y * SIZE + x) * 3;
        rgb[p] = (byte) ((8 * x) % 256);
        rgb[p + 1] = (byte) ((8 * y) % 256);
        rgb[p + 2] = (byte) ((4 * (x + y)) % 256);
      }
    }
    return new RgbImage(SIZE, SIZE, rgb);
  }

  /** White inside the golden's mask box {x0, y0, x1, y1}. */
  static RgbImage mask(int[] box) {
    byte[] rgb = new byte[SIZE * SIZE * 3];
    for (int y = box[1]; y < box[3]; y++) {
      for (int x = box[0]; x < box[2]; x++) {
        int p = (y * SIZE + x) * 3;
        rgb[p] = rgb[p + 1] = rgb[p + 2] = (byte) 255;
      }
    }
    return new RgbImage(SIZE, SIZE, rgb);
  }

  static int[] box(SafetensorsFile g) {
    JsonArray a = JsonParser.parseString(g.metadata().get("mask_box")).getAsJsonArray();
    return new int[] {
      a.get(0).getAsInt(), a.get(1).getAsInt(), a.get(2).getAsInt(), a.get(3).getAsInt()
    };
  }

  /** A copy of tiny-sd whose UNet is the golden's seeded 9-channel inpainting UNet. */
  static Path inpaintingPack(Path dir, SafetensorsFile g) throws IOException {
    Path pack = TestPacks.copyOfTinySd(dir);
    Files.writeString(pack.resolve("unet/config.json"), g.metadata().get("inpaint.config"));
    long seed = Long.parseLong(g.metadata().get("inpaint.seed"));
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    int k = 0;
    for (JsonElement e :
        JsonParser.parseString(g.metadata().get("inpaint.weights")).getAsJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      JsonArray s = a.get(1).getAsJsonArray();
      long[] shape = new long[s.size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = s.get(i).getAsLong();
        numel *= shape[i];
      }
      // torch.randn([numel], generator=manual_seed(seed + k)) * scale, as float32
      float[] v = new SeedNoise(seed + k).next(Math.toIntExact(numel));
      float scale = (float) a.get(2).getAsDouble();
      for (int i = 0; i < v.length; i++) {
        v[i] *= scale;
      }
      w.putF32(a.get(0).getAsString(), shape, v);
      k++;
    }
    w.write(pack.resolve("unet/diffusion_pytorch_model.safetensors"));
    return pack;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ddim", "euler", "masked", "inpaint", "sd2"})
  void runMatchesPyTorch(String name) throws IOException {
    try (SafetensorsFile g = SafetensorsFile.open(FILE)) {
      JsonObject run = JsonParser.parseString(g.metadata().get(name)).getAsJsonObject();
      boolean masked = run.get("masked").getAsBoolean();
      boolean inpainting = run.get("inpainting").getAsBoolean();
      Path pack =
          inpainting ? inpaintingPack(tmp, g) : TestPacks.byName(run.get("pack").getAsString());
      long[] latent = g.shape(name + ".start"); // [1, 4, h, w]
      int[] box = box(g);
      RgbImage init = initImage();
      GenerationRequest r =
          GenerationRequest.builder()
              .prompt(g.metadata().get("prompt"))
              .negativePrompt(g.metadata().get("negative"))
              .guidance(Double.parseDouble(g.metadata().get("guidance")))
              .sampler(Sampler.parse(run.get("sampler").getAsString()))
              .steps(run.get("steps").getAsInt())
              .seed(run.get("seed").getAsLong())
              .size(SIZE, SIZE)
              .input(
                  new ImageInput(
                      init,
                      masked ? mask(box) : null,
                      ImageSettings.of(run.get("strength").getAsDouble())))
              .build();
      try (DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
        assertEquals(inpainting, model.isInpainting());
        // The first state: q(x_t | x_0) at the strength's first step with the seed's noise.
        PictureStart picture = PictureStart.prepare(model, r);
        Latents noise =
            Latents.initialNoise(
                new SeedNoise(r.settings().seed()), 4, (int) latent[2], (int) latent[3]);
        SamplingRun start =
            SamplingRun.start(
                model.schedule(),
                model.schedulerConfig(),
                SamplerSettings.defaults(r.settings().sampler(), r.settings().steps()),
                noise,
                new SeedNoise(r.settings().seed()));
        start.startFrom(picture.plan.start(), picture.startLatents(noise), noise);
        double startErr = TestPacks.relErr(start.latents().data(), g.readFloats(name + ".start"));
        assertTrue(startErr <= 1e-3, name + " start rel err " + startErr);

        List<StepEvent> events = new ArrayList<>();
        GenerationResult result =
            new Pipeline(model)
                .run(
                    r,
                    new GenerationListener() {
                      @Override
                      public void step(StepEvent e) {
                        events.add(e);
                      }
                    },
                    new CancellationToken());
        float[] timesteps = g.readFloats(name + ".timesteps");
        assertEquals(timesteps.length, events.size(), name + " steps run");
        for (int i = 0; i < timesteps.length; i++) {
          assertEquals(timesteps[i], events.get(i).timestep(), 1e-4, name + " timestep " + i);
          assertEquals(i, events.get(i).step());
          assertEquals(timesteps.length, events.get(i).totalSteps());
        }
        float[] latents = events.get(events.size() - 1).noisyLatent().data();
        double err = TestPacks.relErr(latents, g.readFloats(name + ".latents"));
        assertTrue(err <= 1e-3, name + " latents rel err " + err);

        float[] want = g.readFloats(name + ".image"); // [1, 3, H, W] in [0, 1]
        RgbImage got = result.images().get(0).image();
        int plane = SIZE * SIZE;
        int worst = 0;
        for (int p = 0; p < plane; p++) {
          int x = p % SIZE;
          int y = p / SIZE;
          boolean inside = x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
          for (int c = 0; c < 3; c++) {
            int have = got.rgb()[p * 3 + c] & 0xff;
            if (masked && !inside) {
              assertEquals(init.rgb()[p * 3 + c] & 0xff, have, name + " kept pixel " + p);
            } else {
              worst = Math.max(worst, Math.abs(Math.round(want[c * plane + p] * 255f) - have));
            }
          }
        }
        assertTrue(worst <= 2, name + " worst pixel difference " + worst + "/255");
      }
    }
  }
}
