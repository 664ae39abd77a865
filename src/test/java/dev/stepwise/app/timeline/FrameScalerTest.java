package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.engine.RgbImage;
import org.junit.jupiter.api.Test;

class FrameScalerTest {
  @Test
  void nearestKeepsBlocksAndSmoothInterpolates() {
    // 2x1 image: black then white.
    RgbImage img = new RgbImage(2, 1, new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255});
    RgbImage near = FrameScaler.scale(img, 4, 1, false);
    assertEquals(0x000000, near.rgbAt(1, 0));
    assertEquals(0xffffff, near.rgbAt(2, 0));
    RgbImage smooth = FrameScaler.scale(img, 4, 1, true);
    // centres at source x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1)
    assertEquals(0x000000, smooth.rgbAt(0, 0));
    assertEquals(64 * 0x010101, smooth.rgbAt(1, 0));
    assertEquals(191 * 0x010101, smooth.rgbAt(2, 0));
    assertEquals(0xffffff, smooth.rgbAt(3, 0));
  }

  @Test
  void fitLongSideKeepsAspect() {
    assertArrayEquals(new int[] {512, 256}, FrameScaler.fitLongSide(64, 32, 512));
    assertArrayEquals(new int[] {256, 512}, FrameScaler.fitLongSide(8, 16, 512));
    assertArrayEquals(new int[] {100, 100}, FrameScaler.fitLongSide(7, 7, 100));
  }
}
