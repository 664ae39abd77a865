package dev.stepwise.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The mask's steps against their definitions (A1111's img2img, OpenCV's border rule, Pillow). */
class MasksTest {

  @Test
  void reflect101MirrorsWithoutRepeatingTheEdge() {
    int[] want = {2, 1, 0, 1, 2, 3, 2, 1};
    for (int i = -2; i < 6; i++) {
      assertEquals(want[i + 2], Masks.reflect101(i, 4), "index " + i);
    }
    assertEquals(0, Masks.reflect101(-3, 1));
  }

  @Test
  void theBlurIsANormalisedGaussianOfA1111sSize() {
    int w = 41;
    byte[] dot = new byte[w * w];
    dot[20 * w + 20] = (byte) 255;
    byte[] b = Masks.blur(dot, w, w, 2); // kernel 2 int(5.5) + 1 = 11 taps, sigma 2
    assertEquals(0, b[20 * w + 20 + 6] & 0xff, "beyond the kernel's 5 taps a side");
    int centre = b[20 * w + 20] & 0xff;
    double g = 1 / (2 * Math.PI * 4); // the 2-D Gaussian's peak, times 255 below
    assertEquals(255 * g, centre, 1.5);
    assertEquals(b[20 * w + 18], b[18 * w + 20], "symmetric in x and y");
    assertArrayEquals(dot, Masks.blur(dot, w, w, 0));
  }

  @Test
  void theBinaryMaskCutsAbove128() {
    byte[] g = {(byte) 128, (byte) 129, 0, (byte) 255};
    assertArrayEquals(new byte[] {0, (byte) 255, 0, (byte) 255}, Masks.binary(g));
    byte[] rgb = {(byte) 255, 0, 0, 0, (byte) 255, 0};
    assertArrayEquals(new byte[] {76, (byte) 150}, Masks.grey(rgb)); // Pillow's L of red, green
  }

  @Test
  void theCompositeIsExactWhereTheOverlayIsWhole() {
    byte[] gen = {10, 20, 30, 40, 50, 60, 70, 80, 90};
    byte[] init = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    byte[] overlay = Masks.overlay(new byte[] {0, (byte) 200, 64});
    assertArrayEquals(new byte[] {0, (byte) 255, (byte) 128}, overlay);
    byte[] out = Masks.composite(gen, init, overlay);
    assertArrayEquals(new byte[] {1, 2, 3, 40, 50, 60, 39, 44, 50}, out); // (7 127 + 70 128) / 255
  }

  @Test
  void theLatentMaskRoundsTheBicubicAverage() {
    int w = 16;
    byte[] m = new byte[w * w];
    for (int y = 4; y < 12; y++) {
      for (int x = 8; x < 16; x++) {
        m[y * w + x] = (byte) 255;
      }
    }
    float[] small = Masks.latentRepaint(m, w, w, 4, 4);
    float[] want = {0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0};
    assertArrayEquals(want, small);
    assertArrayEquals(want, Masks.latentNearest(m, w, w, 4, 4));
  }

  @Test
  void fillPaintsTheMaskedAreaFromItsSurroundings() {
    int w = 24;
    byte[] rgb = new byte[w * w * 3];
    byte[] mask = new byte[w * w];
    for (int p = 0; p < w * w; p++) {
      rgb[p * 3] = (byte) 200; // red everywhere outside
      boolean inside = Math.abs(p % w - 12) < 4 && Math.abs(p / w - 12) < 4;
      if (inside) {
        mask[p] = (byte) 255;
        rgb[p * 3 + 2] = (byte) 255; // blue under the mask, which must not survive
      }
    }
    byte[] out = Masks.fill(rgb, mask, w, w);
    for (int p = 0; p < w * w; p++) {
      if (mask[p] == 0) {
        assertEquals(rgb[p * 3 + 2], out[p * 3 + 2]);
      } else {
        assertTrue((out[p * 3] & 0xff) > 190, "red filled in at " + p);
        assertTrue((out[p * 3 + 2] & 0xff) < 10, "the hidden blue is gone at " + p);
      }
    }
  }
}
