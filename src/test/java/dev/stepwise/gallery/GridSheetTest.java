package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GridSheetTest {
  private static int at(byte[] rgb, int width, int x, int y) {
    int k = (y * width + x) * 3;
    return (rgb[k] & 0xFF) << 16 | (rgb[k + 1] & 0xFF) << 8 | (rgb[k + 2] & 0xFF);
  }

  @Test
  void cellsGoInPlaceUnchangedAndUnfinishedOnesAreGrey() {
    GridSheet s =
        new GridSheet(
            64, 48, List.of("CFG Scale: 1.0", "CFG Scale: 7.5"), List.of("DDIM", "Euler"));
    byte[] cell = new byte[64 * 48 * 3];
    for (int i = 0; i < cell.length; i++) {
      cell[i] = (byte) (i * 7);
    }
    s.setCell(3, cell);
    int[] o = s.origin(3);
    byte[] rgb = s.rgb();
    assertEquals(s.width() - 64, o[0], "the last column");
    assertEquals(s.height() - 48, o[1], "the last row");
    assertTrue(o[0] - 64 > 0 && o[1] - 48 > 0, "margins for the labels");
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        int k = (y * 64 + x) * 3;
        int want = (cell[k] & 0xFF) << 16 | (cell[k + 1] & 0xFF) << 8 | (cell[k + 2] & 0xFF);
        assertEquals(want, at(rgb, s.width(), o[0] + x, o[1] + y));
      }
    }
    int[] empty = s.origin(0);
    assertEquals(0xE0E0E0, at(rgb, s.width(), empty[0] + 5, empty[1] + 5));
    assertEquals(0xFFFFFF, at(rgb, s.width(), 0, 0));
    assertTrue(s.labelled());
    int dark = 0;
    for (int x = o[0]; x < s.width(); x++) { // the column label above the last cell is drawn
      for (int y = 0; y < o[1] - 48; y++) {
        dark += (at(rgb, s.width(), x, y) & 0xFF) < 128 ? 1 : 0;
      }
    }
    assertTrue(dark > 10, "label pixels: " + dark);
    assertThrows(IllegalArgumentException.class, () -> s.setCell(4, cell));
    assertThrows(IllegalArgumentException.class, () -> s.setCell(0, new byte[3]));
  }

  @Test
  void oneAxisHasNoLeftMargin() {
    GridSheet s = new GridSheet(32, 32, List.of("a", "b", "c"), List.of(""));
    assertEquals(96, s.width());
    assertEquals(0, s.origin(0)[0]);
  }
}
