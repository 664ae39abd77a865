package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepFrames;
import org.junit.jupiter.api.Test;

class PreviewCostTest {
  private static final RgbImage PICTURE = new RgbImage(4, 4, new byte[4 * 4 * 3]);

  private static StepFrames frames(PreviewMethod madeBy, boolean last, double percent) {
    return new StepFrames(
        PreviewSource.PREDICTED_IMAGE,
        PICTURE,
        madeBy,
        last,
        percent,
        null,
        null,
        null,
        null,
        4,
        4);
  }

  @Test
  void namesTheMethodAndTheCostOfEachStep() {
    PreviewCost tiny = new PreviewCost();
    tiny.add(frames(PreviewMethod.TINY, false, 5.2));
    assertEquals(
        "preview: tiny decoder, 6% of each step", tiny.add(frames(PreviewMethod.TINY, false, 6.4)));
    assertEquals(
        "preview: tiny decoder, 7% of each step",
        tiny.add(frames(PreviewMethod.FULL, true, 6.6)), "the finished image is not a preview");
    assertEquals(
        "preview: cheap, under 1% of each step",
        new PreviewCost().add(frames(PreviewMethod.CHEAP, false, 0.3)));
    assertEquals("preview: off", new PreviewCost().add(null));
  }

  @Test
  void autoSaysHowOftenItDecodesFully() {
    PreviewCost auto = new PreviewCost();
    assertEquals(
        "preview: full decode, 40% of each step", auto.add(frames(PreviewMethod.FULL, false, 40)));
    assertEquals(
        "preview: one full decode + cheap, 30% of each step",
        auto.add(frames(PreviewMethod.CHEAP, false, 30)));
    auto.add(frames(PreviewMethod.CHEAP, false, 25));
    auto.add(frames(PreviewMethod.CHEAP, false, 21));
    assertEquals(
        "preview: full decode every 4 steps + cheap, 22% of each step",
        auto.add(frames(PreviewMethod.FULL, false, 22.4)));
    assertEquals(
        "preview: full decode every 4 steps + cheap, 21% of each step",
        auto.add(frames(PreviewMethod.FULL, true, 21)));
    // The next image of the batch: the finished image counted as a step, as the engine does.
    auto.add(frames(PreviewMethod.CHEAP, false, 21));
    auto.add(frames(PreviewMethod.CHEAP, false, 21));
    assertEquals(
        "preview: full decode every 4 steps + cheap, 20% of each step",
        auto.add(frames(PreviewMethod.FULL, false, 20)));
    PreviewCost every = new PreviewCost();
    every.add(frames(PreviewMethod.FULL, false, 30));
    every.add(frames(PreviewMethod.FULL, false, 30));
    assertEquals(
        "preview: full decodes + cheap, 25% of each step",
        every.add(frames(PreviewMethod.CHEAP, false, 25)));
    assertEquals(
        "preview: only the finished image",
        new PreviewCost().add(frames(PreviewMethod.FULL, true, 0)));
  }
}
