package dev.stepwise.app.studio;

import dev.stepwise.engine.RgbImage;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The init image with a rough sketch painted over it in colour: what img2img starts from when the
 * artist paints before the run. A brush stamps filled discs of one colour with {@link MaskModel}'s
 * rule (a pixel is inside when its centre is); a stroke is a line of discs close enough to leave no
 * gap. Each stroke can be undone, {@link MaskModel#MAX_UNDO} deep. Plain Java: the view paints it.
 */
public final class SketchModel {
  private final int width;
  private final int height;
  private final byte[] rgb; // [H, W, 3]
  private final Deque<byte[]> undo = new ArrayDeque<>();

  /** A sketch that starts as {@code picture} (copied; the picture itself is not changed). */
  public SketchModel(RgbImage picture) {
    this.width = picture.width();
    this.height = picture.height();
    this.rgb = picture.rgb().clone();
  }

  /** The width in pixels (the init image's). */
  public int width() {
    return width;
  }

  /** The height in pixels (the init image's). */
  public int height() {
    return height;
  }

  /** The colour of pixel (x, y) as 0xRRGGBB. */
  public int rgbAt(int x, int y) {
    int p = (y * width + x) * 3;
    return (rgb[p] & 0xff) << 16 | (rgb[p + 1] & 0xff) << 8 | rgb[p + 2] & 0xff;
  }

  /** Remembers the picture as it is for {@link #undo}; call once before each stroke. */
  public void beginStroke() {
    undo.addLast(rgb.clone());
    while (undo.size() > MaskModel.MAX_UNDO) {
      undo.removeFirst();
    }
  }

  /**
   * Paints a disc of {@code diameter} pixels centred on (x, y) in colour {@code color} (0xRRGGBB),
   * in the image's pixel coordinates; a pixel is inside when its centre is. A diameter below 1
   * paints the pixel under (x, y).
   */
  public void dab(double x, double y, double diameter, int color) {
    double r = Math.max(0.5, diameter / 2);
    int x0 = Math.max(0, (int) Math.floor(x - r));
    int x1 = Math.min(width - 1, (int) Math.ceil(x + r));
    int y0 = Math.max(0, (int) Math.floor(y - r));
    int y1 = Math.min(height - 1, (int) Math.ceil(y + r));
    double r2 = r * r;
    for (int j = y0; j <= y1; j++) {
      double dy = j + 0.5 - y;
      for (int i = x0; i <= x1; i++) {
        double dx = i + 0.5 - x;
        if (dx * dx + dy * dy <= r2) {
          int p = (j * width + i) * 3;
          rgb[p] = (byte) (color >> 16);
          rgb[p + 1] = (byte) (color >> 8);
          rgb[p + 2] = (byte) color;
        }
      }
    }
  }

  /**
   * Paints a stroke segment from (x0, y0) to (x1, y1): discs at both ends and every quarter of the
   * diameter (at least every pixel) between them.
   */
  public void line(double x0, double y0, double x1, double y1, double diameter, int color) {
    double len = Math.hypot(x1 - x0, y1 - y0);
    double spacing = Math.max(0.25, Math.min(1, diameter / 4));
    int n = (int) Math.ceil(len / spacing);
    for (int k = 0; k <= n; k++) {
      double t = n == 0 ? 0 : (double) k / n;
      dab(x0 + t * (x1 - x0), y0 + t * (y1 - y0), diameter, color);
    }
  }

  /** Goes back one stroke; false when there is none left. */
  public boolean undo() {
    byte[] before = undo.pollLast();
    if (before == null) {
      return false;
    }
    System.arraycopy(before, 0, rgb, 0, rgb.length);
    return true;
  }

  /** Whether {@link #undo} has a stroke to go back. */
  public boolean canUndo() {
    return !undo.isEmpty();
  }

  /** The painted picture (a copy): what the request carries as its init image. */
  public RgbImage image() {
    return new RgbImage(width, height, rgb.clone());
  }
}
