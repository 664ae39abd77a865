package dev.stepwise.gallery;

import dev.stepwise.recipe.GridPlan;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compare grid's picture: cells X across, Y down, copied as they are, with the axis labels drawn
 * on white margins above and left as A1111's {@code draw_grid_annotations} (modules/images.py; font
 * (w + h) / 25 px, here 12 to 48). Cells not yet in are grey. Thread-safe.
 */
public final class GridSheet {
  private final GridPlan plan;
  private final int cellW;
  private final int cellH;
  private final int left;
  private final int top;
  private final BufferedImage image;
  private Recipe first;
  private int filled;

  /** An empty sheet for {@code plan}'s cells of {@code cellW x cellH} pixels. */
  public GridSheet(GridPlan plan, int cellW, int cellH) {
    this.plan = plan;
    this.cellW = cellW;
    this.cellH = cellH;
    Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    FontMetrics fm =
        g.getFontMetrics(
            new Font(
                Font.SANS_SERIF, Font.PLAIN, Math.max(12, Math.min(48, (cellW + cellH) / 25))));
    int pad = fm.getHeight() / 4;
    List<List<String>> cols = new ArrayList<>();
    List<List<String>> rows = new ArrayList<>();
    int lines = 0;
    int leftW = 0;
    for (int ix = 0; ix < plan.columns(); ix++) {
      cols.add(wrap(plan.columnLabel(ix), fm, cellW - 2 * pad));
      lines = Math.max(lines, cols.get(ix).size());
    }
    for (int iy = 0; iy < plan.rows(); iy++) {
      rows.add(wrap(plan.rowLabel(iy), fm, Math.max(96, 3 * cellW)));
      for (String s : rows.get(iy)) {
        leftW = Math.max(leftW, fm.stringWidth(s) + 2 * pad);
      }
    }
    left = leftW;
    top = lines * fm.getHeight() + 2 * pad;
    image =
        new BufferedImage(
            left + plan.columns() * cellW, top + plan.rows() * cellH, BufferedImage.TYPE_INT_RGB);
    g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(new Color(0xE0E0E0));
    g.fillRect(left, top, image.getWidth() - left, image.getHeight() - top);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(fm.getFont());
    g.setColor(Color.BLACK);
    for (int i = 0; i < cols.size() + rows.size(); i++) {
      boolean col = i < cols.size();
      List<String> l = col ? cols.get(i) : rows.get(i - cols.size());
      int y0 =
          col
              ? pad + (lines - l.size()) * fm.getHeight() / 2
              : top + (i - cols.size()) * cellH + (cellH - l.size() * fm.getHeight()) / 2;
      g.setClip(
          col ? left + i * cellW : 0,
          col ? 0 : top,
          col ? cellW : left,
          col ? top : image.getHeight());
      for (int k = 0; k < l.size(); k++) { // centred; a word wider than its cell is cut
        int x =
            col
                ? left + i * cellW + (cellW - fm.stringWidth(l.get(k))) / 2
                : (left - fm.stringWidth(l.get(k))) / 2;
        g.drawString(l.get(k), x, y0 + fm.getAscent() + k * fm.getHeight());
      }
    }
    g.dispose();
  }

  /** {@code text} split at spaces into lines no wider than {@code width} where words allow. */
  private static List<String> wrap(String text, FontMetrics fm, int width) {
    List<String> lines = new ArrayList<>();
    for (String word : text.isEmpty() ? new String[0] : text.split(" ")) {
      int last = lines.size() - 1;
      if (last >= 0 && fm.stringWidth(lines.get(last) + " " + word) <= width) {
        lines.set(last, lines.get(last) + " " + word);
      } else {
        lines.add(word);
      }
    }
    return lines;
  }

  /**
   * Puts cell {@code index} (X fastest: cellW x cellH RGB) and its recipe in place; true when it
   * was the last one missing.
   */
  public synchronized boolean put(int index, byte[] rgb, Recipe recipe) {
    int[] o = origin(index);
    for (int k = 0; k < cellW * cellH; k++) {
      image.setRGB(
          o[0] + k % cellW,
          o[1] + k / cellW,
          (rgb[3 * k] & 0xFF) << 16 | (rgb[3 * k + 1] & 0xFF) << 8 | (rgb[3 * k + 2] & 0xFF));
    }
    first = index == 0 ? recipe : first;
    return ++filled == plan.columns() * plan.rows();
  }

  /**
   * The grid's recipe: its first cell's, plus A1111's grid keys ({@code Script: X/Y/Z plot, X Type,
   * X Values, ...}) in the extras, no duration.
   */
  public synchronized Recipe recipe() {
    Map<String, String> extras = new LinkedHashMap<>(first.extras());
    extras.putAll(plan.parameters());
    Recipe f = first;
    return new Recipe(
        f.prompt(),
        f.negativePrompt(),
        f.modelName(),
        f.modelHash(),
        f.sampler(),
        f.karras(),
        f.steps(),
        f.guidance(),
        f.eta(),
        f.seed(),
        f.width(),
        f.height(),
        -1,
        f.version(),
        f.createdAt(),
        extras);
  }

  /** Cell {@code index}'s top-left pixel, {x, y}. */
  public int[] origin(int index) {
    return new int[] {left + index % plan.columns() * cellW, top + index / plan.columns() * cellH};
  }

  public int width() {
    return image.getWidth();
  }

  public int height() {
    return image.getHeight();
  }

  /** The sheet as RGB bytes, row by row. */
  public synchronized byte[] rgb() {
    byte[] out = new byte[width() * height() * 3];
    for (int k = 0; k < width() * height(); k++) {
      int p = image.getRGB(k % width(), k / width());
      out[3 * k] = (byte) (p >> 16);
      out[3 * k + 1] = (byte) (p >> 8);
      out[3 * k + 2] = (byte) p;
    }
    return out;
  }
}
