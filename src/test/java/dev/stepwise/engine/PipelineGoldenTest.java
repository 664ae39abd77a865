package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end parity with the project's PyTorch pipeline (models/training/stepwise_train/pipeline.py
 * ddim_txt2img): the same pack, prompt and initial noise give the same timesteps, final latents and
 * image. Goldens from models/training/make_goldens.py; tiny-sdxl's from make_sdxl_goldens.py
 * (pipeline.py sdxl_ddim_txt2img: both text encoders, time ids, zeros for the empty negative).
 */
class PipelineGoldenTest {

  @ParameterizedTest
  @ValueSource(strings = {"tiny-sd", "tiny-sd2", "stepwise-emoji", "tiny-sdxl"})
  void guidedDdimRunMatchesPyTorch(String name) {
    Path pack = TestPacks.byName(name);
    try (SafetensorsFile gold =
            SafetensorsFile.open(TestPacks.GOLDEN.resolve(name + ".safetensors"));
        DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      long[] shape = gold.shape("ddim.noise"); // [1, 4, h, w]
      int h = (int) shape[2];
      int w = (int) shape[3];
      Latents noise = new Latents(gold.readFloats("ddim.noise"), 1, 4, h, w);
      int f = model.info().vaeFactor();
      GenerationRequest r =
          GenerationRequest.builder()
              .prompt(gold.metadata().get("ddim.prompt"))
              .negativePrompt(gold.metadata().get("ddim.negative"))
              .steps(Integer.parseInt(gold.metadata().get("ddim.steps")))
              .guidance(Double.parseDouble(gold.metadata().get("ddim.guidance_scale")))
              .sampler(Sampler.DDIM)
              .size(w * f, h * f)
              .build();
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
                  new CancellationToken(),
                  noise);
      float[] timesteps = gold.readFloats("ddim.timesteps");
      assertEquals(timesteps.length, events.size());
      for (int i = 0; i < timesteps.length; i++) {
        assertEquals(timesteps[i], events.get(i).timestep(), 0.0, "timestep " + i);
      }
      float[] latents = events.get(events.size() - 1).noisyLatent().data();
      float[] expected = gold.readFloats("ddim.latents");
      assertTrue(
          TestPacks.relErr(latents, expected) <= 1e-3,
          "latents rel err " + TestPacks.relErr(latents, expected));
      float[] image = gold.readFloats("ddim.image"); // [1, 3, H, W] in [0, 1]
      RgbImage got = result.images().get(0).image();
      int plane = got.width() * got.height();
      assertEquals(image.length, plane * 3);
      int worst = 0;
      for (int p = 0; p < plane; p++) {
        for (int k = 0; k < 3; k++) {
          int want = Math.round(image[k * plane + p] * 255f);
          int have = got.rgb()[p * 3 + k] & 0xff;
          worst = Math.max(worst, Math.abs(want - have));
        }
      }
      assertTrue(worst <= 2, "worst pixel difference " + worst + "/255");
      assertArrayEquals(new int[] {got.width(), got.height()}, new int[] {w * f, h * f});
    }
  }
}
