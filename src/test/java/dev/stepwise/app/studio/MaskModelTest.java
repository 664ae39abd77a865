package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import org.junit.jupiter.api.Test;

/** The inpainting mask's brush, eraser, clear, invert and undo, pixel by pixel. */
class MaskModelTest {

  /** Naive twin of a dab: pixel centres within the radius, checked one by one. */
  private static boolean inDisc(int i, int j, double x, double y, double diameter) {
    double r = Math.max(0.5, diameter / 2);
    double dx = i + 0.5 - x;
    double dy = j + 0.5 - y;
    return dx * dx + dy * dy <= r * r;
  }

  @Test
  void aDabPaintsExactlyThePixelsWhoseCentreIsInsideTheDisc() {
    MaskModel m = new MaskModel(40, 30);
    m.dab(12.3, 17.8, 9, false);
    int n = 0;
    for (int j = 0; j < 30; j++) {
      for (int i = 0; i < 40; i++) {
        assertEquals(inDisc(i, j, 12.3, 17.8, 9), m.repaints(i, j), "pixel " + i + "," + j);
        n += m.repaints(i, j) ? 1 : 0;
      }
    }
    // About the disc's area, pi * 4.5^2 = 63.6.
    assertTrue(n > 55 && n < 72, "painted " + n);
    assertEquals(n, m.count());
  }

  @Test
  void aDabAtTheEdgeIsClippedAndASmallBrushPaintsOnePixel() {
    MaskModel m = new MaskModel(8, 8);
    m.dab(-3, -3, 4, false); // entirely outside
    assertTrue(m.isEmpty());
    m.dab(0, 0, 20, false); // a quarter disc inside
    assertTrue(m.repaints(0, 0) && m.repaints(7, 0) && !m.repaints(7, 7));
    MaskModel one = new MaskModel(8, 8);
    one.dab(5.5, 2.5, 0, false);
    assertEquals(1, one.count());
    assertTrue(one.repaints(5, 2));
  }

  @Test
  void aStrokeLeavesNoGapAndTheEraserClears() {
    MaskModel m = new MaskModel(64, 16);
    m.beginStroke();
    m.line(2, 8, 60, 8, 3, false);
    for (int i = 2; i < 60; i++) {
      assertTrue(m.repaints(i, 7) || m.repaints(i, 8), "gap at x " + i);
    }
    assertFalse(m.repaints(30, 2));
    m.beginStroke();
    m.line(20, 8, 40, 8, 6, true);
    for (int i = 21; i < 39; i++) {
      assertFalse(m.repaints(i, 8), "not erased at x " + i);
    }
    assertTrue(m.repaints(10, 8) && m.repaints(50, 8));
  }

  @Test
  void invertClearAndUndoGoBackEditByEdit() {
    MaskModel m = new MaskModel(10, 10);
    m.beginStroke();
    m.dab(5, 5, 4, false);
    byte[] stroke = m.pixels();
    int painted = m.count();
    m.invert();
    assertEquals(100 - painted, m.count());
    assertFalse(m.repaints(5, 5));
    m.clear();
    assertTrue(m.isEmpty());
    assertTrue(m.undo()); // clear
    assertEquals(100 - painted, m.count());
    assertTrue(m.undo()); // invert
    assertArrayEquals(stroke, m.pixels());
    assertTrue(m.undo()); // the stroke
    assertTrue(m.isEmpty());
    assertFalse(m.undo());
    assertFalse(m.canUndo());
  }

  @Test
  void undoKeepsTheLastEditsOnly() {
    MaskModel m = new MaskModel(4, 4);
    for (int k = 0; k < MaskModel.MAX_UNDO + 5; k++) {
      m.invert();
    }
    int undone = 0;
    while (m.undo()) {
      undone++;
    }
    assertEquals(MaskModel.MAX_UNDO, undone);
  }

  @Test
  void theRgbMaskIsWhereTheBrushWasAndReadsBack() {
    MaskModel m = new MaskModel(6, 3);
    m.dab(1.5, 1.5, 1, false);
    RgbImage rgb = m.toRgb();
    assertEquals(6, rgb.width());
    assertEquals(3, rgb.height());
    assertEquals(0xffffff, rgb.rgbAt(1, 1));
    assertEquals(0, rgb.rgbAt(4, 1));
    assertArrayEquals(m.pixels(), MaskModel.of(rgb).pixels());
    byte[] grey = new byte[6 * 3 * 3];
    grey[0] = grey[1] = grey[2] = (byte) 128; // 128 keeps, 129 repaints (the engine's threshold)
    grey[3] = grey[4] = grey[5] = (byte) 129;
    MaskModel read = MaskModel.of(new RgbImage(6, 3, grey));
    assertFalse(read.repaints(0, 0));
    assertTrue(read.repaints(1, 0));
  }

  /** Naive twin of a soft dab's grey: 255 inside r - soft, a straight ramp to 0 at r. */
  private static int softGrey(int i, int j, double x, double y, double diameter, double soft) {
    double r = Math.max(0.5, diameter / 2);
    double d = Math.hypot(i + 0.5 - x, j + 0.5 - y);
    double s = Math.min(soft, r);
    if (d > r) {
      return 0;
    }
    return d <= r - s ? 255 : (int) Math.round(255 * (r - d) / s);
  }

  @Test
  void aSoftDabRampsFrom255To0OverTheSoftWidth() {
    MaskModel m = new MaskModel(40, 40);
    m.dab(20.5, 20.5, 20, 4, false);
    for (int j = 0; j < 40; j++) {
      for (int i = 0; i < 40; i++) {
        assertEquals(softGrey(i, j, 20.5, 20.5, 20, 4), m.grey(i, j), "pixel " + i + "," + j);
      }
    }
    assertEquals(255, m.grey(20, 20 + 6)); // d = 6 <= r - soft = 6
    assertEquals(128, m.grey(20 + 8, 20)); // d = 8: 255 * 2 / 4 = 127.5, rounded
    assertEquals(64, m.grey(20 + 9, 20)); // d = 9: 255 / 4 = 63.75
    assertEquals(0, m.grey(20 + 10, 20)); // d = r
    // Painting keeps the larger grey; a soft eraser lowers to at most 255 - its grey.
    m.dab(28.5, 20.5, 2, 0, false);
    assertEquals(255, m.grey(28, 20));
    m.dab(20.5, 20.5, 20, 4, true);
    assertEquals(0, m.grey(20, 20));
    assertEquals(127, m.grey(28, 20), "min(255, 255 - 128)");
    assertEquals(191, m.grey(29, 20), "the hard dab reached it: min(255, 255 - 64)");
    assertEquals(0, m.grey(20 + 6, 20), "min(0, 255 - 255) inside r - soft");
    assertEquals(0, m.grey(30, 20));
  }

  @Test
  void softGreysReachTheRequestAndInvertMirrorsThem() {
    MaskModel m = new MaskModel(20, 1);
    m.beginStroke();
    m.line(0, 0.5, 20, 0.5, 0.5, 0, false); // every pixel white
    m.dab(10.5, 0.5, 10, 5, true); // a soft hole: 0 in the middle, greys up to 255 at d = 5
    int g = m.grey(13, 0); // d = 3: coverage 255 * 2 / 5 = 102, kept 255 - 102
    assertEquals(153, g);
    assertEquals(153 * 0x010101, m.toRgb().rgbAt(13, 0));
    m.invert();
    assertEquals(102, m.grey(13, 0));
    assertTrue(m.undo());
    assertTrue(m.undo());
    assertTrue(m.isEmpty());
  }

  @Test
  void aMaskOfAnotherSizeIsResizedAndThresholded() {
    byte[] rgb = new byte[8 * 4 * 3]; // white on the right half of an 8x4 mask
    for (int p = 0; p < 8 * 4; p++) {
      if (p % 8 >= 4) {
        rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = (byte) 255;
      }
    }
    MaskModel m = MaskModel.resized(new RgbImage(8, 4, rgb), 32, 16);
    assertEquals(32, m.width());
    assertEquals(16, m.height());
    for (int j = 0; j < 16; j++) {
      assertFalse(m.repaints(10, j));
      assertTrue(m.repaints(21, j));
      assertEquals(m.grey(21, j) == 255, m.repaints(21, j), "only 0 or 255 after the threshold");
    }
  }
}
