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
}
