package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.preview.PreviewPlanner.Render;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The preview policy against hand-worked timings (milliseconds as nanoseconds x 1e6). */
class PreviewPlannerTest {
  private static final long MS = 1_000_000L;

  @Test
  void autoPrefersThePreviewDecoder() {
    assertEquals(PreviewMethod.TINY, new PreviewPlanner(PreviewMethod.AUTO, true, 16).method());
    assertEquals(PreviewMethod.AUTO, new PreviewPlanner(PreviewMethod.AUTO, false, 16).method());
    assertEquals(PreviewMethod.AUTO, new PreviewPlanner(PreviewMethod.TINY, false, 16).method());
    assertEquals(PreviewMethod.FULL, new PreviewPlanner(PreviewMethod.FULL, true, 16).method());
    assertEquals(Render.NONE, new PreviewPlanner(PreviewMethod.OFF, true, 16).renderFor(0));
    assertEquals(Render.CHEAP, new PreviewPlanner(PreviewMethod.CHEAP, true, 16).renderFor(3));
  }

  /**
   * Runs {@code steps} steps of {@code stepMs} with full decodes of {@code decodeMs}; the renders.
   */
  private static List<Render> autoRun(int steps, long stepMs, long decodeMs) {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.AUTO, false, 16);
    List<Render> out = new ArrayList<>();
    for (int i = 0; i < steps; i++) {
      p.stepTook(stepMs * MS);
      Render r = p.renderFor(i);
      out.add(r);
      p.previewTook(i, r, r == Render.FULL ? decodeMs * MS : MS / 100);
    }
    return out;
  }

  @Test
  void autoDecodesEveryStepWhenADecodeCostsAQuarterOfAStepOrLess() {
    assertEquals(List.of(Render.FULL, Render.FULL, Render.FULL, Render.FULL), autoRun(4, 100, 25));
  }

  @Test
  void autoSpacesFullDecodesToStayUnderAQuarter() {
    // decode 93 ms, step 100 ms: ceil(93 / 25) = 4, so steps 0, 4, 8 are decoded.
    List<Render> r = autoRun(10, 100, 93);
    for (int i = 0; i < 10; i++) {
      assertEquals(i % 4 == 0 ? Render.FULL : Render.CHEAP, r.get(i), "step " + i);
    }
  }

  @Test
  void autoCostStaysWithinItsBudget() {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.AUTO, false, 16);
    for (int i = 0; i < 40; i++) {
      p.stepTook(100 * MS);
      Render r = p.renderFor(i);
      p.previewTook(i, r, r == Render.FULL ? 60 * MS : 0);
    }
    // ceil(60 / 25) = 3: decodes at steps 0, 3, ..., 39; without the first step's (its warm-up),
    // 13 decodes of 60 ms over 39 steps of 100 ms = 20%.
    assertEquals(3, p.fullEvery());
    assertEquals(20.0, p.costPercent(), 1e-9);
  }

  @Test
  void theFirstStepsWarmUpIsLeftOutOfTheStepTime() {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.AUTO, false, 16);
    p.stepTook(2000 * MS);
    assertEquals(2000 * MS, p.meanStepNanos(), 1e-6);
    p.stepTook(100 * MS);
    p.stepTook(300 * MS);
    assertEquals(200 * MS, p.meanStepNanos(), 1e-6);
  }

  @Test
  void aSlowPreviewDecoderHalvesItsSizeAfterTwoTimings() {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.TINY, true, 256);
    p.stepTook(100 * MS);
    p.previewTook(0, Render.TINY, 30 * MS);
    assertEquals(1, p.tinyScale(), "one timing is not enough");
    p.stepTook(100 * MS);
    p.previewTook(1, Render.TINY, 12 * MS);
    assertEquals(2, p.tinyScale(), "12 ms > 10% of 100 ms");
  }

  @Test
  void aFastPreviewDecoderKeepsItsSize() {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.TINY, true, 256);
    for (int i = 0; i < 5; i++) {
      p.stepTook(100 * MS);
      p.previewTook(i, Render.TINY, (i == 0 ? 50 : 9) * MS);
    }
    assertEquals(1, p.tinyScale());
  }

  @Test
  void framesThatWouldBeSmallerThan128PixelsAreNeverHalved() {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.TINY, true, 32);
    for (int i = 0; i < 5; i++) {
      p.stepTook(100 * MS);
      p.previewTook(i, Render.TINY, 50 * MS);
    }
    assertEquals(1, p.tinyScale());
  }

  @Test
  void theCostLeavesOutTheFirstStepsAndFirstPreviewsWarmUp() {
    PreviewPlanner p = new PreviewPlanner(PreviewMethod.TINY, true, 64);
    p.stepTook(500 * MS);
    p.previewTook(0, Render.TINY, 40 * MS);
    assertEquals(8.0, p.costPercent(), 1e-9, "one of each: 40 / 500");
    p.stepTook(100 * MS);
    p.previewTook(1, Render.TINY, 6 * MS);
    p.stepTook(100 * MS);
    p.previewTook(2, Render.TINY, 8 * MS);
    assertEquals(7.0, p.costPercent(), 1e-9, "(6 + 8) / 2 over 100");
  }
}
