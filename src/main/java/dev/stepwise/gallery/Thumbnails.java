package dev.stepwise.gallery;

import dev.stepwise.metadata.MetadataException;
import dev.stepwise.metadata.PngImage;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Makes small PNG thumbnails of library images with the JDK's image decoder (no JavaFX).
 *
 * <p>The PNG header is checked first, so an image whose header claims more than {@link #MAX_PIXELS}
 * pixels is refused before the decoder allocates anything.
 */
public final class Thumbnails {
  /** Longest side of a thumbnail in pixels. */
  public static final int SIZE = 160;

  /** Most pixels a source image may have. */
  public static final long MAX_PIXELS = 64L << 20;

  static {
    ImageIO.setUseCache(false);
  }

  private Thumbnails() {}

  /**
   * Decodes {@code file} keeping only every n-th pixel of every n-th row, n = longSide / (4 size)
   * (at least 1), so a huge image costs a raster of about 4 x the thumbnail, not of the image
   * (issue 20, item 17: an 8192x8192 16-bit PNG took 810 MB of heap); ordinary images decode whole.
   * Null when no reader takes the file.
   */
  private static BufferedImage decodeSubsampled(Path file, int longSide, int size)
      throws IOException {
    int step = Math.max(1, longSide / (4 * size));
    try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      if (in == null) {
        return null;
      }
      java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      javax.imageio.ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(step, step, 0, 0);
        return reader.read(0, param);
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * Returns a PNG thumbnail whose longest side is at most {@code size} pixels.
   *
   * @throws MetadataException when the file is not a PNG of a size Stepwise decodes
   */
  public static byte[] render(Path file, int size) {
    int[] wh = header(file);
    if ((long) wh[0] * wh[1] > MAX_PIXELS) {
      throw new MetadataException(
          "The image "
              + file.getFileName()
              + " is "
              + wh[0]
              + "x"
              + wh[1]
              + "; images over "
              + MAX_PIXELS
              + " pixels get no thumbnail.");
    }
    BufferedImage src;
    try {
      src = decodeSubsampled(file, Math.max(wh[0], wh[1]), size);
    } catch (IOException | RuntimeException e) {
      throw new MetadataException("The image " + file.getFileName() + " cannot be decoded.", e);
    }
    if (src == null) {
      throw new MetadataException("The image " + file.getFileName() + " cannot be decoded.");
    }
    double scale = Math.min(1.0, (double) size / Math.max(src.getWidth(), src.getHeight()));
    int w = Math.max(1, (int) Math.round(src.getWidth() * scale));
    int h = Math.max(1, (int) Math.round(src.getHeight() * scale));
    BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(src, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    byte[] rgb = new byte[w * h * 3];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      dst.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int i = (y * w + x) * 3;
        rgb[i] = (byte) (row[x] >> 16);
        rgb[i + 1] = (byte) (row[x] >> 8);
        rgb[i + 2] = (byte) row[x];
      }
    }
    return PngImage.encode(w, h, rgb, Map.of());
  }

  /** Reads width and height from the IHDR chunk (PNG specification 11.2.2). */
  static int[] header(Path file) {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(24);
    } catch (IOException e) {
      throw new MetadataException("The image " + file.getFileName() + " cannot be read.", e);
    }
    if (head.length < 24
        || head[12] != 'I'
        || head[13] != 'H'
        || head[14] != 'D'
        || head[15] != 'R') {
      throw new MetadataException("The file " + file.getFileName() + " is not a PNG image.");
    }
    ByteBuffer b = ByteBuffer.wrap(head);
    int w = b.getInt(16);
    int h = b.getInt(20);
    if (w <= 0 || h <= 0) {
      throw new MetadataException("The image " + file.getFileName() + " has a bad size.");
    }
    return new int[] {w, h};
  }
}
