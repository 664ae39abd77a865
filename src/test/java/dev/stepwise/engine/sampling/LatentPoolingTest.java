package dev.stepwise.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Latents.pooled2x2 (half-size previews) against hand-computed averages. */
class LatentPoolingTest {
  @Test
  void poolingAveragesEachTwoByTwoCellAndTheEdgeCellsItHas() {
    // One channel, 3 x 3: [[1, 2, 3], [4, 5, 6], [7, 8, 9]].
    Latents z = new Latents(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
    Latents p = z.pooled2x2();
    assertEquals(2, p.height());
    assertEquals(2, p.width());
    // (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9
    assertArrayEquals(new float[] {3f, 4.5f, 7.5f, 9f}, p.data(), 1e-6f);
  }

  @Test
  void poolingKeepsChannelsApart() {
    float[] d = new float[2 * 2 * 2];
    for (int i = 0; i < 4; i++) {
      d[i] = 1;
      d[4 + i] = -2;
    }
    Latents p = new Latents(d, 1, 2, 2, 2).pooled2x2();
    assertArrayEquals(new float[] {1f, -2f}, p.data(), 0f);
  }

  @Test
  void poolingKeepsImagesOfABatchApart() {
    float[] d = {1, 1, 1, 1, 5, 5, 5, 7}; // two images, one channel, 2 x 2
    Latents p = new Latents(d, 2, 1, 2, 2).pooled2x2();
    assertEquals(2, p.batch());
    assertArrayEquals(new float[] {1f, 5.5f}, p.data(), 0f);
  }
}
