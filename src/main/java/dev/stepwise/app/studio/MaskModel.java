package dev.stepwise.app.studio;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.Masks;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * The inpainting mask painted over the init image, one byte per pixel of the init image: 255
 * repaints, 0 keeps (AUTOMATIC1111's white-repaints convention, what the CLI's {@code --mask}
 * reads); a soft brush paints the greys between, which the engine thresholds at 128 as A1111 does
 * ({@link Masks#binary}). A brush stamps filled discs; a stroke is a line of discs close enough to
 * leave no gap. Clear, invert and each stroke can be undone. Plain Java: the view paints it.
 */
public final class MaskModel {
  /** How many edits Undo goes back. */
  public static final int MAX_UNDO = 30;

  private final int width;
  private final int height;
  private final byte[] mask; // [H, W], 0 to 255
  private final Deque<byte[]> undo = new ArrayDeque<>();

  /** An empty mask (everything kept) for a {@code width x height} init image. */
  public MaskModel(int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("A mask needs a size of 1x1 or more.");
    }
    this.width = width;
    this.height = height;
    this.mask = new byte[width * height];
  }

  /**
   * A mask read from a picture (a grey one from {@code ImageFiles.Picture#maskGrey}, or any RGB):
   * its luminance above 128 repaints, as the engine thresholds it ({@link Masks#binary}).
   */
  public static MaskModel of(RgbImage picture) {
    MaskModel m = new MaskModel(picture.width(), picture.height());
    byte[] b = Masks.binary(Masks.grey(picture.rgb())); // [H, W], 0 or 255
    System.arraycopy(b, 0, m.mask, 0, b.length);
    return m;
  }

  /**
   * A mask read from a picture of another size, resized smoothly to {@code width x height} first
   * (then thresholded as {@link #of} does): the studio's answer to a mask file that does not match.
   */
  public static MaskModel resized(RgbImage picture, int width, int height) {
    return of(picture.scaledSmooth(width, height));
  }

  /** The width in pixels (the init image's). */
  public int width() {
    return width;
  }

  /** The height in pixels (the init image's). */
  public int height() {
    return height;
  }

  /** Whether pixel (x, y) is painted at all (grey above 0). */
  public boolean repaints(int x, int y) {
    return mask[y * width + x] != 0;
  }

  /** The grey of pixel (x, y): 0 keeps, 255 repaints; a soft edge paints the values between. */
  public int grey(int x, int y) {
    return mask[y * width + x] & 0xff;
  }

  /** Whether no pixel is repainted (then a run is plain img2img). */
  public boolean isEmpty() {
    for (byte b : mask) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** How many pixels are repainted. */
  public int count() {
    int n = 0;
    for (byte b : mask) {
      n += b != 0 ? 1 : 0;
    }
    return n;
  }

  /** Remembers the mask as it is for {@link #undo}; call once before each stroke. */
  public void beginStroke() {
    remember();
  }

  /**
   * Paints (or, when {@code erase}, clears) a hard disc of {@code diameter} pixels centred on (x,
   * y), in the image's pixel coordinates (pixel (i, j) covers [i, i+1) x [j, j+1)); a pixel is
   * inside when its centre is. A diameter below 1 paints the pixel under (x, y).
   */
  public void dab(double x, double y, double diameter, boolean erase) {
    dab(x, y, diameter, 0, erase);
  }

  /**
   * The grey a soft disc of radius {@code r} gives a pixel centre at distance {@code d}: 255 up to
   * {@code r - soft}, then a straight ramp down to 0 at {@code r} ({@code soft} clamped to [0, r]);
   * a hard disc ({@code soft} 0) is 255 up to and including {@code r}.
   */
  static int coverage(double d, double r, double soft) {
    double s = Math.min(Math.max(0, soft), r);
    if (d > r) {
      return 0;
    }
    if (d <= r - s) {
      return 255;
    }
    return (int) Math.round(255 * (r - d) / s);
  }

  /**
   * Paints a disc whose edge ramps from 255 to 0 over the last {@code soft} pixels of its radius
   * ({@link #coverage}); a pixel keeps the larger grey of what it had and the dab's, and the eraser
   * lowers it to at most {@code 255 - coverage}. {@code soft} 0 is the hard disc.
   */
  public void dab(double x, double y, double diameter, double soft, boolean erase) {
    double r = Math.max(0.5, diameter / 2);
    int x0 = Math.max(0, (int) Math.floor(x - r));
    int x1 = Math.min(width - 1, (int) Math.ceil(x + r));
    int y0 = Math.max(0, (int) Math.floor(y - r));
    int y1 = Math.min(height - 1, (int) Math.ceil(y + r));
    for (int j = y0; j <= y1; j++) {
      double dy = j + 0.5 - y;
      for (int i = x0; i <= x1; i++) {
        double dx = i + 0.5 - x;
        int c = coverage(Math.sqrt(dx * dx + dy * dy), r, soft);
        int old = mask[j * width + i] & 0xff;
        mask[j * width + i] = (byte) (erase ? Math.min(old, 255 - c) : Math.max(old, c));
      }
    }
  }

  /**
   * Paints a stroke segment from (x0, y0) to (x1, y1): discs at both ends and every quarter of the
   * diameter (at least every pixel) between them.
   */
  public void line(double x0, double y0, double x1, double y1, double diameter, boolean erase) {
    line(x0, y0, x1, y1, diameter, 0, erase);
  }

  /** A stroke segment of soft discs ({@link #dab(double, double, double, double, boolean)}). */
  public void line(
      double x0, double y0, double x1, double y1, double diameter, double soft, boolean erase) {
    double len = Math.hypot(x1 - x0, y1 - y0);
    double spacing = Math.max(0.25, Math.min(1, diameter / 4));
    int n = (int) Math.ceil(len / spacing);
    for (int k = 0; k <= n; k++) {
      double t = n == 0 ? 0 : (double) k / n;
      dab(x0 + t * (x1 - x0), y0 + t * (y1 - y0), diameter, soft, erase);
    }
  }

  /** Keeps everything again (undoable). */
  public void clear() {
    remember();
    Arrays.fill(mask, (byte) 0);
  }

  /** Repaints what was kept and keeps what was repainted: grey g becomes 255 - g (undoable). */
  public void invert() {
    remember();
    for (int p = 0; p < mask.length; p++) {
      mask[p] = (byte) (255 - (mask[p] & 0xff));
    }
  }

  /** Goes back one edit (stroke, clear or invert); false when there is none left. */
  public boolean undo() {
    byte[] before = undo.pollLast();
    if (before == null) {
      return false;
    }
    System.arraycopy(before, 0, mask, 0, mask.length);
    return true;
  }

  /** Whether {@link #undo} has an edit to go back. */
  public boolean canUndo() {
    return !undo.isEmpty();
  }

  private void remember() {
    undo.addLast(mask.clone());
    while (undo.size() > MAX_UNDO) {
      undo.removeFirst();
    }
  }

  /** A copy of the mask, one byte per pixel ([H, W]; 0 to 255). */
  public byte[] pixels() {
    return mask.clone();
  }

  /** The mask as the engine's {@link dev.stepwise.engine.ImageInput} takes it: white repaints. */
  public RgbImage toRgb() {
    byte[] rgb = new byte[mask.length * 3]; // [H, W, 3]
    for (int p = 0; p < mask.length; p++) {
      rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = mask[p];
    }
    return new RgbImage(width, height, rgb);
  }
}
