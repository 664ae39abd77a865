package dev.stepwise.engine.image;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.recipe.Outpaint;

/**
 * Outpainting as a masked fill of a larger canvas: the init image is placed on a canvas grown by
 * the borders, the new pixels repeat the nearest edge pixel (so the fill and the encoder start from
 * the image's own colours), and the mask is white (repaint) over the borders and, inside, the
 * user's mask or black.
 */
public final class Outpainting {
  private Outpainting() {}

  /** The grown canvas and its mask (grey in RGB, 255 = repaint). */
  public record Canvas(RgbImage image, RgbImage mask) {}

  /**
   * {@code image} on a canvas grown by {@code o}; {@code mask} (the same size as the image, or null
   * for none) moves with it.
   */
  public static Canvas extend(RgbImage image, RgbImage mask, Outpaint o) {
    int w = image.width();
    int h = image.height();
    int cw = w + o.left() + o.right();
    int ch = h + o.top() + o.bottom();
    byte[] src = image.rgb();
    byte[] out = new byte[cw * ch * 3]; // [H', W', 3]
    byte[] m = new byte[cw * ch * 3]; // [H', W', 3]
    for (int y = 0; y < ch; y++) {
      int sy = Math.min(h - 1, Math.max(0, y - o.top()));
      boolean insideY = y >= o.top() && y < o.top() + h;
      for (int x = 0; x < cw; x++) {
        int sx = Math.min(w - 1, Math.max(0, x - o.left()));
        boolean inside = insideY && x >= o.left() && x < o.left() + w;
        int d = (y * cw + x) * 3;
        int s = (sy * w + sx) * 3;
        System.arraycopy(src, s, out, d, 3);
        byte v =
            inside
                ? (mask == null ? 0 : (byte) Masks.luminance(mask.rgb(), sy * w + sx))
                : (byte) 255;
        m[d] = m[d + 1] = m[d + 2] = v;
      }
    }
    return new Canvas(new RgbImage(cw, ch, out), new RgbImage(cw, ch, m));
  }
}
