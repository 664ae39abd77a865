package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.SizeConditioning;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SDXL's micro-conditioning chosen by the user: the tiny SDXL-shaped pack's guided DDIM run with
 * original size 768x1024, crop (left 8, top 16) and target size 640x896 matches the PyTorch
 * pipeline given those time ids (models/training/make_sdxl_goldens.py, keys {@code sizes.*}),
 * differs from the default run, and records Stepwise's keys; an SD 1.x model refuses them.
 */
class SdxlSizesTest {
  static final SizeConditioning CHOSEN = new SizeConditioning(768, 1024, 8, 16, 640, 896);

  private static GenerationResult run(
      DiffusionModel model, SafetensorsFile gold, SizeConditioning sizes, List<float[]> latents) {
    Latents noise = new Latents(gold.readFloats("ddim.noise"), 1, 4, 8, 8);
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt(gold.metadata().get("ddim.prompt"))
            .steps(Integer.parseInt(gold.metadata().get("ddim.steps")))
            .guidance(Double.parseDouble(gold.metadata().get("ddim.guidance_scale")))
            .sampler(Sampler.DDIM)
            .size(32, 32)
            .sizes(sizes)
            .build();
    return new Pipeline(model)
        .run(
            r,
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                latents.add(e.noisyLatent().data());
              }
            },
            new CancellationToken(),
            noise);
  }

  @Test
  void chosenTimeIdsMatchPyTorchAndDifferFromTheDefaults() {
    try (SafetensorsFile gold = SafetensorsFile.open(SdxlGoldenTest.GOLDEN);
        DiffusionModel model = DiffusionModel.load(SdxlGoldenTest.PACK, Device.cpu())) {
      float[] ids = gold.readFloats("sizes.time_ids"); // [1, 6]: (h, w), (top, left), (h, w)
      int[] mine = CHOSEN.timeIds(32, 32);
      for (int i = 0; i < 6; i++) {
        assertEquals(ids[i], mine[i], "time id " + i);
      }
      List<float[]> chosen = new ArrayList<>();
      GenerationResult result = run(model, gold, CHOSEN, chosen);
      float[] last = chosen.get(chosen.size() - 1);
      double e = TestPacks.relErr(last, gold.readFloats("sizes.latents"));
      assertTrue(e <= 1e-3, "latents rel err " + e);
      float[] image = gold.readFloats("sizes.image"); // [1, 3, H, W] in [0, 1]
      RgbImage got = result.images().get(0).image();
      int plane = got.width() * got.height();
      int worst = 0;
      for (int p = 0; p < plane; p++) {
        for (int k = 0; k < 3; k++) {
          int want = Math.round(image[k * plane + p] * 255f);
          worst = Math.max(worst, Math.abs(want - (got.rgb()[p * 3 + k] & 0xff)));
        }
      }
      assertTrue(worst <= 2, "worst pixel difference " + worst + "/255");
      assertEquals(
          Map.of("Original size", "768x1024", "Crop top-left", "8,16", "Target size", "640x896"),
          result.images().get(0).parameters());

      List<float[]> plain = new ArrayList<>();
      GenerationResult defaults = run(model, gold, SizeConditioning.DEFAULT, plain);
      double apart = TestPacks.relErr(plain.get(plain.size() - 1), last);
      assertTrue(apart > 1e-2, "the time ids change the latents: rel diff " + apart);
      assertEquals(Map.of(), defaults.images().get(0).parameters(), "defaults are not written");
      // The image's own size written out is the default: the same latents, no keys.
      List<float[]> same = new ArrayList<>();
      GenerationResult explicit =
          run(model, gold, new SizeConditioning(32, 32, 0, 0, 32, 32), same);
      assertEquals(0.0, TestPacks.relErr(same.get(same.size() - 1), plain.get(plain.size() - 1)));
      assertEquals(Map.of(), explicit.images().get(0).parameters());
    }
  }

  @Test
  void anSd1ModelRefusesThemInOneSentence() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.byName("tiny-sd"), Device.cpu())) {
      GenerationRequest r =
          GenerationRequest.builder()
              .prompt("a cat")
              .steps(1)
              .size(32, 32)
              .sizes(new SizeConditioning(0, 0, 8, 8, 0, 0))
              .build();
      EngineException e =
          assertThrows(EngineException.class, () -> new Pipeline(model).validate(r));
      assertTrue(e.getMessage().contains("SDXL models only"), e.getMessage());
      assertEquals(1, e.getMessage().split("\\. ").length, e.getMessage());
    }
  }
}
