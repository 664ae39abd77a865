package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped preview decoder still draws what the built-in pack's full decoder draws, in real runs
 * of this engine: over every step of two 10-step runs, the tiny frame of x0 (upscaled as the studio
 * shows it) against the full decode of the same x0. The distillation's held-out figures (model
 * card: 24.96 dB on sampled x0, cheap projection 17.59 dB) are the reference; the test keeps a
 * margin for its few samples.
 */
class BuiltInPreviewFidelityTest {
  static double psnr(RgbImage a, RgbImage b) {
    byte[] x = a.rgb();
    byte[] y = b.rgb();
    double se = 0;
    for (int i = 0; i < x.length; i++) {
      double d = ((x[i] & 0xff) - (y[i] & 0xff)) / 255.0;
      se += d * d;
    }
    return 10 * Math.log10(1.0 / Math.max(1e-10, se / x.length));
  }

  @Test
  void tinyFramesAreCloseToTheFullDecodeAndFarCloserThanTheCheapOnes() {
    try (DiffusionModel model = DiffusionModel.load(TestPacks.builtIn(), Device.cpu())) {
      TinyDecoder tiny = model.previewDecoder(null, new ArrayList<>());
      assertTrue(tiny != null, "the built-in pack has a preview decoder");
      double tinySum = 0;
      double cheapSum = 0;
      int n = 0;
      for (String prompt : List.of("red heart, twemoji style", "grinning cat, fluent flat style")) {
        List<StepEvent> events = new ArrayList<>();
        GenerationRequest r =
            GenerationRequest.builder()
                .prompt(prompt)
                .steps(10)
                .guidance(5)
                .seed(3)
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
        for (StepEvent e : events) {
          float[] x0 = e.predictedImage().data(); // [1, 4, 16, 16]
          RgbImage full = RgbImage.fromChw(model.decodeToPixels(x0, 1, 16, 16), 128, 128);
          int side = 16 * tiny.factor();
          RgbImage small =
              RgbImage.fromChw(tiny.decodeToPixels(x0, 16, 16), side, side).scaledSmooth(128, 128);
          RgbImage cheap = model.preview().project(e.predictedImage(), 0).scaledSmooth(128, 128);
          tinySum += psnr(small, full);
          cheapSum += psnr(cheap, full);
          n++;
        }
      }
      double tinyDb = tinySum / n;
      double cheapDb = cheapSum / n;
      System.out.printf(
          java.util.Locale.ROOT,
          "built-in preview decoder: %.2f dB, cheap %.2f dB over %d x0 frames%n",
          tinyDb,
          cheapDb,
          n);
      assertTrue(tinyDb >= 22, "preview decoder " + tinyDb + " dB against the full decode");
      assertTrue(
          tinyDb >= cheapDb + 3, "preview decoder " + tinyDb + " dB, cheap " + cheapDb + " dB");
    }
  }
}
