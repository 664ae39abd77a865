package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.nn.FlopCounter;
import dev.stepwise.engine.sampling.TimestepSpacing;
import dev.stepwise.recipe.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What SDXL-Turbo and SDXL-Lightning style models need: guidance 0 or 1 with no unconditional pass
 * (diffusers' do_classifier_free_guidance is guidance_scale > 1), and the trailing timestep spacing
 * their scheduler_config.json names, at 1 to 4 steps.
 */
class TurboSettingsTest {
  @TempDir Path dir;

  /** SDXL-Turbo's scheduler/scheduler_config.json (stabilityai/sdxl-turbo). */
  static final String TURBO_SCHEDULER =
      """
      {"_class_name": "EulerAncestralDiscreteScheduler", "beta_end": 0.012,
       "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
       "interpolation_type": "linear", "num_train_timesteps": 1000,
       "prediction_type": "epsilon", "sample_max_value": 1.0, "set_alpha_to_one": false,
       "skip_prk_steps": true, "steps_offset": 1, "timestep_spacing": "trailing",
       "trained_betas": null, "use_karras_sigmas": false}
      """;

  private Path turboPack() throws IOException {
    Path src = SdxlGoldenTest.PACK;
    Path dst = dir.resolve("turbo");
    try (var walk = Files.walk(src)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    Files.writeString(dst.resolve("scheduler/scheduler_config.json"), TURBO_SCHEDULER);
    return dst;
  }

  private record Run(long flops, List<Double> timesteps, byte[] rgb) {}

  private static Run run(DiffusionModel model, double guidance, int steps) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart emoji")
            .negativePrompt("")
            .guidance(guidance)
            .steps(steps)
            .seed(3)
            .sampler(Sampler.EULER_A)
            .size(32, 32)
            .previewMethod(PreviewMethod.OFF)
            .build();
    List<Double> timesteps = new ArrayList<>();
    FlopCounter.start();
    GenerationResult result =
        new Pipeline(model)
            .run(
                r,
                new GenerationListener() {
                  @Override
                  public void step(StepEvent e) {
                    timesteps.add(e.timestep());
                  }
                },
                new CancellationToken());
    long flops = FlopCounter.stop();
    return new Run(flops, timesteps, result.images().get(0).image().rgb());
  }

  @Test
  void guidanceOfOneOrLessRunsNoUnconditionalPass() throws IOException {
    try (DiffusionModel model = DiffusionModel.load(turboPack(), Device.cpu())) {
      Run zero = run(model, 0, 2);
      Run one = run(model, 1, 2);
      Run oneStep = run(model, 1, 1);
      Run guided = run(model, 1.5, 2);
      long unetOnce = one.flops() - oneStep.flops(); // one UNet evaluation at batch 1
      assertTrue(unetOnce > 0);
      assertEquals(one.flops(), zero.flops(), "guidance 0 does the same work as 1");
      // The empty negative is zeros (force_zeros_for_empty_prompt), so the only extra work of
      // a guided run is the UNet's second batch item at every step.
      assertEquals(2 * unetOnce, guided.flops() - one.flops(), "guided adds one pass per step");
      assertArrayEquals(one.rgb(), zero.rgb(), "at 0 and 1 the prompt's prediction alone");
    }
  }

  @Test
  void trailingSpacingFromTheSchedulerConfigStartsAtTheLastTimestep() throws IOException {
    try (DiffusionModel model = DiffusionModel.load(turboPack(), Device.cpu())) {
      assertEquals(List.of(999.0), run(model, 0, 1).timesteps());
      // diffusers trailing: round(arange(1000, 0, -1000 / 4)) - 1
      assertEquals(List.of(999.0, 749.0, 499.0, 249.0), run(model, 0, 4).timesteps());
    }
  }

  /**
   * A model whose scheduler config says leading (a single-file checkpoint always does) runs
   * trailing when the request says so, and the image records it.
   */
  @Test
  void theRequestsSpacingOverridesTheModelsAndIsRecorded() {
    try (DiffusionModel model = DiffusionModel.load(SdxlGoldenTest.PACK, Device.cpu())) {
      List<Double> leading = run(model, 0, 1).timesteps();
      assertEquals(List.of(1.0), leading, "leading at 1 step: timestep 1, almost no noise");
      GenerationRequest r =
          GenerationRequest.builder()
              .prompt("a red heart emoji")
              .guidance(0)
              .steps(1)
              .sampler(Sampler.EULER_A)
              .size(32, 32)
              .spacing(TimestepSpacing.TRAILING)
              .previewMethod(PreviewMethod.OFF)
              .build();
      List<Double> t = new ArrayList<>();
      GenerationResult result =
          new Pipeline(model)
              .run(
                  r,
                  new GenerationListener() {
                    @Override
                    public void step(StepEvent e) {
                      t.add(e.timestep());
                    }
                  },
                  new CancellationToken());
      assertEquals(List.of(999.0), t);
      assertEquals("trailing", result.images().get(0).parameters().get(Pipeline.TIMESTEP_SPACING));
    }
  }
}
