package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.recipe.Sampler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The noisy latent a StepEvent carries is in variance-preserving units for every sampler: after the
 * first of 10 steps it is about sqrt(abar) x0 + sqrt(1 - abar) eps with abar small, so its RMS is
 * near 1 (Euler's own state x0 + sigma eps has an RMS near sigma, about 5.5 here).
 */
class VariancePreservingPreviewTest {
  private static DiffusionModel model;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.builtIn(), Device.cpu());
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Sampler.class)
  void noisyLatentHasUnitRmsAtTheFirstStep(Sampler kind) {
    List<StepEvent> events = new ArrayList<>();
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("red heart, twemoji style")
            .steps(10)
            .guidance(5)
            .seed(42)
            .sampler(kind)
            .previewMethod(PreviewMethod.OFF)
            .build();
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
    assertEquals(10, events.size());
    float[] xt = events.get(0).noisyLatent().data();
    double sum = 0;
    for (float v : xt) {
      sum += v * (double) v;
    }
    double rms = Math.sqrt(sum / xt.length);
    assertTrue(rms > 0.8 && rms < 1.25, kind + ": RMS of x_t after step 1 is " + rms);
  }
}
