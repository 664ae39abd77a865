package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The memory estimate's shape and its refusal; its coefficients are checked in docs/engine.md. */
@Tag("hostile")
class MemoryEstimateTest {
  private static DiffusionModel model;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.tinySd(), Device.cpu());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void estimateGrowsWithTheImageAndCountsTheWeights() {
    long previous = 0;
    for (int side : new int[] {64, 128, 256, 512, 1024, 2048}) {
      long need = MemoryEstimate.bytesFor(model, side, side, true);
      assertTrue(need > previous, side + " px: " + need + " <= " + previous);
      previous = need;
    }
    // Activations scale with the pixels once the fixed attention chunks no longer dominate.
    long at1024 = MemoryEstimate.bytesFor(model, 1024, 1024, true);
    long at2048 = MemoryEstimate.bytesFor(model, 2048, 2048, true);
    assertTrue(at2048 > 3.5 * at1024, at2048 + " vs " + at1024);
    assertTrue(
        MemoryEstimate.bytesFor(model, 512, 512, false)
            <= MemoryEstimate.bytesFor(model, 512, 512, true));
    assertTrue(model.weightBytes() > 0);
    assertEquals(
        MemoryEstimate.RUNTIME_BYTES
            + model.weightBytes()
            + MemoryEstimate.bytesFor(model, 256, 256, true),
        MemoryEstimate.peakBytes(model, 256, 256, true));
  }

  @Test
  void estimateCoversTheMeasuredPeaks() {
    // Peak RSS of `generate --steps 1` measured after the issue 20 fix (docs/engine.md, MiB).
    int[] sides = {128, 256, 384, 512, 768, 1024};
    long[] measuredMib = {261, 309, 431, 544, 1006, 1738};
    for (int i = 0; i < sides.length; i++) {
      long est = MemoryEstimate.peakBytes(model, sides[i], sides[i], true) >> 20;
      assertTrue(est >= measuredMib[i], sides[i] + " px: estimate " + est + " MiB");
    }
  }

  @Test
  void aSizeThatDoesNotFitIsRefusedInOneSentence() {
    String old = System.getProperty("stepwise.memory.available");
    long need = MemoryEstimate.bytesFor(model, 1024, 1024, true);
    try {
      System.setProperty("stepwise.memory.available", Long.toString(need - 1));
      EngineException e =
          assertThrows(EngineException.class, () -> MemoryEstimate.check(model, 1024, 1024, true));
      String m = e.getMessage();
      assertTrue(m.startsWith("The image size 1024x1024 needs about "), m);
      assertTrue(m.contains(String.format(java.util.Locale.ROOT, "%.1f GB", need / 1e9)), m);
      assertTrue(m.endsWith("choose a smaller size."), m);
      assertEquals(1, m.split("\\. ").length, m);
      assertDoesNotThrow(() -> MemoryEstimate.check(model, 512, 512, true));
      System.setProperty("stepwise.memory.available", Long.toString(need));
      assertDoesNotThrow(() -> MemoryEstimate.check(model, 1024, 1024, true));
    } finally {
      if (old == null) {
        System.clearProperty("stepwise.memory.available");
      } else {
        System.setProperty("stepwise.memory.available", old);
      }
    }
  }
}
