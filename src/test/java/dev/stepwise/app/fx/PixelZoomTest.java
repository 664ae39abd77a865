package dev.stepwise.app.fx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.IntBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PixelZoomTest {
  @Test
  void fitEnlargesByWholeNumbersAndReducesExactly() {
    assertEquals(7, PixelZoom.fit(64, 64, 500, 480), "480 / 64 = 7.5: 7");
    assertEquals(3, PixelZoom.fit(128, 64, 400, 1000), "the narrower side decides");
    assertEquals(1, PixelZoom.fit(512, 512, 700, 600), "1.17: 1:1, not a blurred 117%");
    assertEquals(0.5, PixelZoom.fit(1024, 512, 512, 900), 1e-12);
    assertEquals(1, PixelZoom.fit(0, 64, 500, 500), "unknown size");
  }

  @Test
  void zoomStepsAreWholeNumbersAboveOneToOne() {
    assertEquals(2, PixelZoom.zoomIn(1));
    assertEquals(4, PixelZoom.zoomIn(3.5), "from a fitted reduction or between steps");
    assertEquals(1, PixelZoom.zoomIn(0.7));
    assertEquals(32, PixelZoom.zoomIn(32), "the largest step stays");
    assertEquals(6, PixelZoom.zoomOut(7));
    assertEquals(0.5, PixelZoom.zoomOut(1));
    assertEquals(0.125, PixelZoom.zoomOut(0.125));
    for (double level : PixelZoom.LEVELS) {
      assertTrue(level <= 1 || level == Math.rint(level), level + " above 1 is whole");
    }
    assertFalse(PixelZoom.smooth(1));
    assertFalse(PixelZoom.smooth(3));
    assertTrue(PixelZoom.smooth(0.5));
    assertEquals("200%", PixelZoom.percent(2));
    assertEquals("12.5%", PixelZoom.percent(0.125));
  }

  @Test
  void factorDividesTheScaleAndBoundsTheCopy() {
    assertEquals(1, PixelZoom.factor(64, 64, 1));
    assertEquals(1, PixelZoom.factor(64, 64, 0.5));
    assertEquals(1, PixelZoom.factor(64, 64, 2.5), "not whole: left to the view");
    assertEquals(12, PixelZoom.factor(64, 64, 12));
    assertEquals(8, PixelZoom.factor(512, 512, 8), "4096 x 4096 is the limit");
    assertEquals(8, PixelZoom.factor(512, 512, 16), "16 = 8 x 2: the view doubles the rest");
    assertEquals(1, PixelZoom.factor(4096, 4096, 3));
  }

  @Test
  void replicateMatchesTheNaiveNearestNeighbour() {
    int w = 5;
    int h = 3;
    int k = 3;
    int[] src = new Random(3).ints(w * h).toArray(); // [h, w]
    IntBuffer dst = IntBuffer.allocate(w * k * h * k); // [h*k, w*k]
    PixelZoom.replicate(src, w, h, k, dst);
    int[] naive = new int[w * k * h * k];
    for (int y = 0; y < h * k; y++) {
      for (int x = 0; x < w * k; x++) {
        naive[y * w * k + x] = src[(y / k) * w + x / k]; // the source pixel under (x, y)
      }
    }
    assertArrayEquals(naive, dst.array());
  }
}
