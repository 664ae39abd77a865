package dev.stepwise.engine.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stepwise.engine.EngineException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SeedNoiseTest {
  private static final int PER = 4 * 5 * 3; // 60: exercises the 16-block tail path

  private static float[] slice(float[] a, int i) {
    return Arrays.copyOfRange(a, i * PER, (i + 1) * PER);
  }

  @Test
  void imageIUsesSeedPlusI() {
    float[] batch = new BatchNoise(1000, 3, PER).next(3 * PER);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(new TorchCpuGenerator(1000 + i).randn(PER), slice(batch, i));
    }
    assertFalse(Arrays.equals(slice(batch, 0), slice(batch, 1)));
    assertArrayEquals(slice(batch, 2), new SeedNoise(1002).next(PER));
  }

  @Test
  void twoRunsGiveIdenticalBits() {
    float[] a = new BatchNoise(-5, 2, 4 * 64 * 64).next(2 * 4 * 64 * 64);
    float[] b = new BatchNoise(-5, 2, 4 * 64 * 64).next(2 * 4 * 64 * 64);
    for (int k = 0; k < a.length; k++) {
      assertEquals(Float.floatToRawIntBits(a[k]), Float.floatToRawIntBits(b[k]));
    }
  }

  @Test
  void stepNoiseContinuesEachImagesGeneratorAfterTheInitialDraw() {
    NoiseSource steps = new BatchNoise(7, 2, PER);
    steps.next(2 * PER); // initial latents
    float[] first = steps.next(2 * PER);
    float[] second = steps.next(2 * PER);
    for (int i = 0; i < 2; i++) {
      TorchCpuGenerator g = new TorchCpuGenerator(7 + i); // diffusers: one generator per image
      g.randn(PER); // initial latents
      assertArrayEquals(g.randn(PER), slice(first, i));
      assertArrayEquals(g.randn(PER), slice(second, i));
    }
  }

  @Test
  void oneGeneratorGivesTheInitialNoiseThenTheStepNoise() {
    SeedNoise image = new SeedNoise(7);
    float[] initial = image.next(PER);
    float[] step1 = image.next(PER);
    float[] step2 = image.next(PER);
    assertArrayEquals(new TorchCpuGenerator(7).randn(PER), initial);
    TorchCpuGenerator skipping = new TorchCpuGenerator(7); // a second generator for the same seed
    skipping.randn(PER); // skips the initial draw
    assertArrayEquals(skipping.randn(PER), step1);
    assertArrayEquals(skipping.randn(PER), step2);
  }

  @Test
  void badRequestsAreRefused() {
    NoiseSource steps = new BatchNoise(7, 2, PER);
    assertEquals(
        "Step noise for this batch comes in blocks of 120 values (2 images of 60), got a request"
            + " for 60.",
        assertThrows(EngineException.class, () -> steps.next(60)).getMessage());
    assertEquals(
        "The batch size must be at least 1, got 0.",
        assertThrows(EngineException.class, () -> new BatchNoise(1, 0, PER)).getMessage());
    assertEquals(
        "The number of noise values per image must be at least 1, got 0.",
        assertThrows(EngineException.class, () -> new SeedNoise(1).next(0)).getMessage());
  }
}
