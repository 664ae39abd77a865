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
    float[] batch = SeedNoise.initialNoise(1000, 3, PER);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(new TorchCpuGenerator(1000 + i).randn(PER), slice(batch, i));
    }
    assertFalse(Arrays.equals(slice(batch, 0), slice(batch, 1)));
    assertArrayEquals(slice(batch, 2), SeedNoise.initialNoise(1002, 1, PER));
  }

  @Test
  void twoRunsGiveIdenticalBits() {
    float[] a = SeedNoise.initialNoise(-5, 2, 4 * 64 * 64);
    float[] b = SeedNoise.initialNoise(-5, 2, 4 * 64 * 64);
    for (int k = 0; k < a.length; k++) {
      assertEquals(Float.floatToRawIntBits(a[k]), Float.floatToRawIntBits(b[k]));
    }
  }

  @Test
  void stepNoiseContinuesEachImagesGeneratorAfterTheInitialDraw() {
    NoiseSource steps = SeedNoise.stepNoise(7, 2, PER);
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
  void badRequestsAreRefused() {
    NoiseSource steps = SeedNoise.stepNoise(7, 2, PER);
    assertEquals(
        "Step noise for this batch comes in blocks of 120 values (2 images of 60), got a request"
            + " for 60.",
        assertThrows(EngineException.class, () -> steps.next(60)).getMessage());
    assertEquals(
        "The batch size must be at least 1, got 0.",
        assertThrows(EngineException.class, () -> SeedNoise.initialNoise(1, 0, PER)).getMessage());
    assertEquals(
        "The number of noise values per image must be at least 1, got 0.",
        assertThrows(EngineException.class, () -> SeedNoise.stepNoise(1, 1, 0)).getMessage());
  }
}
