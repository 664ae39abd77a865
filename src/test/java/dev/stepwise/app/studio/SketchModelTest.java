package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import org.junit.jupiter.api.Test;

/** The sketch brush: colour discs painted on a copy of the init image, and undo. */
class SketchModelTest {

  /** Naive twin of a dab: pixel centres within the radius, checked one by one. */
  private static boolean inDisc(int i, int j, double x, double y, double diameter) {
    double r = Math.max(0.5, diameter / 2);
    double dx = i + 0.5 - x;
    double dy = j + 0.5 - y;
    return dx * dx + dy * dy <= r * r;
  }

  @Test
  void aDabPaintsTheColourExactlyWhereThePixelCentreIsInsideAndKeepsTheRest() {
    RgbImage start = InitImageViewModelTest.gradient(40, 30);
    byte[] original = start.rgb().clone();
    SketchModel s = new SketchModel(start);
    s.dab(12.3, 17.8, 9, 0x12abef);
    int n = 0;
    for (int j = 0; j < 30; j++) {
      for (int i = 0; i < 40; i++) {
        int expected = inDisc(i, j, 12.3, 17.8, 9) ? 0x12abef : start.rgbAt(i, j);
        assertEquals(expected, s.rgbAt(i, j), "pixel " + i + "," + j);
        assertEquals(expected, s.image().rgbAt(i, j));
        n += inDisc(i, j, 12.3, 17.8, 9) ? 1 : 0;
      }
    }
    assertTrue(n > 55 && n < 72, "painted " + n); // about pi * 4.5^2 = 63.6
    assertArrayEquals(original, start.rgb(), "the init image itself is not changed");
  }

  @Test
  void aStrokeLeavesNoGapIsClippedAtTheEdgesAndUndoGoesBackStrokeByStroke() {
    SketchModel s = new SketchModel(new RgbImage(64, 16, new byte[64 * 16 * 3]));
    s.beginStroke();
    s.line(-5, 8, 70, 8, 3, 0xff0000);
    for (int i = 0; i < 64; i++) {
      assertEquals(0xff0000, s.rgbAt(i, 8), "gap at x " + i);
    }
    assertEquals(0, s.rgbAt(30, 2));
    byte[] first = s.image().rgb();
    s.beginStroke();
    s.dab(30.5, 8.5, 1, 0x00ff00);
    assertEquals(0x00ff00, s.rgbAt(30, 8));
    assertEquals(0xff0000, s.rgbAt(31, 8));
    assertTrue(s.undo());
    assertArrayEquals(first, s.image().rgb());
    assertTrue(s.undo());
    assertEquals(0, s.rgbAt(30, 8));
    assertFalse(s.undo());
    assertFalse(s.canUndo());
  }

  @Test
  void undoKeepsAtMostTheLimitOfStrokes() {
    SketchModel s = new SketchModel(new RgbImage(4, 4, new byte[4 * 4 * 3]));
    for (int k = 0; k < MaskModel.MAX_UNDO + 5; k++) {
      s.beginStroke();
      s.dab(1.5, 1.5, 1, k + 1);
    }
    int undone = 0;
    while (s.undo()) {
      undone++;
    }
    assertEquals(MaskModel.MAX_UNDO, undone);
    assertEquals(5, s.rgbAt(1, 1), "the oldest strokes stay painted");
  }
}
