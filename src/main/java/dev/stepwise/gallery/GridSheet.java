package dev.stepwise.gallery;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * A compare grid's picture: the cells side by side, X across and Y down, with the axis labels drawn
 * in Java2D on a white margin above and to the left, as AUTOMATIC1111's {@code
 * draw_grid_annotations} (modules/images.py) does. Cells not yet made are light grey, so the studio
 * can fill the sheet as they finish. The cells' pixels are copied as they are.
 */
public final class GridSheet {
  private static final int EMPTY = 0xE0E0E0;
  private static final int MIN_FONT = 8;

  private final int columns;
  private final int rows;
  private final int cellW;
  private final int cellH;
  private final int left;
  private final int top;
  private final BufferedImage image;
  private boolean labelled = true;

  /**
   * A sheet for {@code columns x rows} cells of {@code cellW x cellH} pixels with these labels (row
   * labels all empty: no left margin).
   */
  public GridSheet(int cellW, int cellH, List<String> columnLabels, List<String> rowLabels) {
    if (cellW < 1 || cellH < 1 || columnLabels.isEmpty() || rowLabels.isEmpty()) {
      throw new IllegalArgumentException(
          "A grid needs cells of at least 1x1 and one of each axis.");
    }
    this.columns = columnLabels.size();
    this.rows = rowLabels.size();
    this.cellW = cellW;
    this.cellH = cellH;
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, fontSize(cellW, cellH));
    int pad = Math.max(2, font.getSize() / 3);
    int lineH;
    List<List<String>> colLines = new ArrayList<>();
    List<List<String>> rowLines = new ArrayList<>();
    int leftW = 0;
    int topLines = 0;
    FontMetrics fm = null;
    try {
      BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = probe.createGraphics();
      // As A1111's draw_texts: a smaller font while a column's words do not fit (down to 8 px).
      for (int size = font.getSize(); ; size--) {
        font = font.deriveFont((float) size);
        fm = g.getFontMetrics(font);
        colLines.clear();
        boolean fits = true;
        for (String l : columnLabels) {
          List<String> lines = wrap(l, fm, cellW - 2 * pad);
          colLines.add(lines);
          for (String line : lines) {
            fits &= fm.stringWidth(line) <= cellW - 2 * pad;
          }
        }
        if (fits || size <= MIN_FONT) {
          break;
        }
      }
      g.dispose();
      lineH = fm.getHeight();
      for (List<String> lines : colLines) {
        topLines = Math.max(topLines, lines.size());
      }
      boolean anyRow = rowLabels.stream().anyMatch(s -> !s.isEmpty());
      int rowWrap = Math.max(96, 3 * cellW) - 2 * pad;
      for (String l : rowLabels) {
        List<String> lines = anyRow ? wrap(l, fm, rowWrap) : List.of();
        rowLines.add(lines);
        for (String line : lines) {
          leftW = Math.max(leftW, fm.stringWidth(line) + 2 * pad);
        }
      }
    } catch (RuntimeException | Error e) { // no fonts: the cells without labels
      labelled = false;
      lineH = 0;
    }
    this.left = leftW;
    this.top = labelled ? topLines * lineH + 2 * pad : 0;
    this.image =
        new BufferedImage(left + columns * cellW, top + rows * cellH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(new Color(EMPTY));
    g.fillRect(left, top, columns * cellW, rows * cellH);
    if (labelled) {
      try {
        g.setRenderingHint(
            RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(font);
        g.setColor(Color.BLACK);
        for (int ix = 0; ix < columns; ix++) {
          List<String> lines = colLines.get(ix);
          int y0 = pad + (topLines - lines.size()) * lineH / 2 + fm.getAscent();
          g.setClip(left + ix * cellW, 0, cellW, top); // a word wider than its cell is cut
          for (int k = 0; k < lines.size(); k++) {
            int w = fm.stringWidth(lines.get(k));
            g.drawString(lines.get(k), left + ix * cellW + (cellW - w) / 2, y0 + k * lineH);
          }
          g.setClip(null);
        }
        for (int iy = 0; iy < rows; iy++) {
          List<String> lines = rowLines.get(iy);
          int y0 = top + iy * cellH + (cellH - lines.size() * lineH) / 2 + fm.getAscent();
          for (int k = 0; k < lines.size(); k++) {
            int w = fm.stringWidth(lines.get(k));
            g.drawString(lines.get(k), (left - w) / 2, y0 + k * lineH);
          }
        }
      } catch (RuntimeException | Error e) {
        labelled = false;
      }
    }
    g.dispose();
  }

  /**
   * A1111's label size, (w + h) / 25 pixels, kept between 12 and 48 to stay legible (a column whose
   * words are wider than its cell gets a smaller font, down to 8).
   */
  static int fontSize(int cellW, int cellH) {
    return Math.max(12, Math.min(48, (cellW + cellH) / 25));
  }

  /** Splits {@code text} at spaces into lines no wider than {@code width} where words allow. */
  private static List<String> wrap(String text, FontMetrics fm, int width) {
    List<String> lines = new ArrayList<>();
    if (text.isEmpty()) {
      return lines;
    }
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      String next = line.length() == 0 ? word : line + " " + word;
      if (line.length() > 0 && fm.stringWidth(next) > width) {
        lines.add(line.toString());
        line.setLength(0);
        line.append(word);
      } else {
        line.setLength(0);
        line.append(next);
      }
    }
    lines.add(line.toString());
    return lines;
  }

  /** Puts cell {@code index} (X fastest) in place: {@code rgb} holds cellW x cellH RGB pixels. */
  public synchronized void setCell(int index, byte[] rgb) {
    if (index < 0 || index >= columns * rows || rgb.length != cellW * cellH * 3) {
      throw new IllegalArgumentException(
          "Cell " + index + " of " + columns * rows + " must be " + cellW + "x" + cellH + ".");
    }
    int x0 = left + (index % columns) * cellW;
    int y0 = top + (index / columns) * cellH;
    int[] row = new int[cellW];
    for (int y = 0; y < cellH; y++) {
      for (int x = 0; x < cellW; x++) {
        int k = (y * cellW + x) * 3;
        row[x] = (rgb[k] & 0xFF) << 16 | (rgb[k + 1] & 0xFF) << 8 | (rgb[k + 2] & 0xFF);
      }
      image.setRGB(x0, y0 + y, cellW, 1, row, 0, cellW);
    }
  }

  /** The sheet's width in pixels. */
  public int width() {
    return image.getWidth();
  }

  /** The sheet's height in pixels. */
  public int height() {
    return image.getHeight();
  }

  /** Where cell {@code index}'s top-left pixel is: {x, y}. */
  public int[] origin(int index) {
    return new int[] {left + (index % columns) * cellW, top + (index / columns) * cellH};
  }

  /** Whether the labels were drawn (false when Java2D has no font to draw with). */
  public boolean labelled() {
    return labelled;
  }

  /** The sheet as RGB bytes, row by row. */
  public synchronized byte[] rgb() {
    int w = image.getWidth();
    int h = image.getHeight();
    byte[] out = new byte[w * h * 3];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int k = (y * w + x) * 3;
        out[k] = (byte) (row[x] >> 16);
        out[k + 1] = (byte) (row[x] >> 8);
        out[k + 2] = (byte) row[x];
      }
    }
    return out;
  }
}
