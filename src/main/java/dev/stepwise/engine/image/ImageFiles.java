package dev.stepwise.engine.image;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads an init image or a mask from an untrusted file (PNG or JPEG, and whatever else the JDK's
 * ImageIO decodes): the size is checked from the header before a pixel is decoded, and a file the
 * decoder warns about (a truncated or damaged JPEG, which ImageIO would otherwise finish with grey)
 * is refused. Every refusal is one sentence naming the file.
 */
public final class ImageFiles {
  /** The most pixels an init image or mask may have: 64 megapixels (64 x 2^20). */
  public static final long MAX_PIXELS = 64L << 20;

  /** The longest side accepted (the library keeps a PNG copy, and PNG files stop here). */
  public static final int MAX_SIDE = 16384;

  static {
    ImageIO.setUseCache(false);
  }

  private ImageFiles() {}

  /**
   * A decoded picture: RGB, and its alpha when the file has an alpha channel that is not opaque
   * everywhere (else null).
   */
  public record Picture(RgbImage rgb, byte[] alpha) {
    /**
     * The picture as an init image: transparent pixels flattened onto white, as AUTOMATIC1111 does
     * (modules/images.py flatten, img2img_background_color #ffffff).
     */
    public RgbImage flattened() {
      if (alpha == null) {
        return rgb;
      }
      byte[] in = rgb.rgb();
      byte[] out = new byte[in.length]; // [H, W, 3]
      for (int p = 0; p < alpha.length; p++) {
        int a = alpha[p] & 0xff;
        for (int c = 0; c < 3; c++) {
          int v = in[p * 3 + c] & 0xff;
          out[p * 3 + c] = (byte) Math.round((v * a + 255.0 * (255 - a)) / 255.0);
        }
      }
      return new RgbImage(rgb.width(), rgb.height(), out);
    }

    /**
     * The picture as a mask, grey replicated in RGB: its alpha when it has one, else its luminance,
     * as A1111's create_binary_mask reads a mask before thresholding (modules/images.py).
     */
    public RgbImage maskGrey() {
      byte[] in = rgb.rgb();
      int n = rgb.width() * rgb.height();
      byte[] out = new byte[n * 3]; // [H, W, 3]
      for (int p = 0; p < n; p++) {
        int v = alpha != null ? alpha[p] & 0xff : Masks.luminance(in, p);
        out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = (byte) v;
      }
      return new RgbImage(rgb.width(), rgb.height(), out);
    }
  }

  /**
   * Reads {@code file}; {@code what} names it in sentences ("init image", "mask").
   *
   * @throws EngineException with one sentence when it is missing, not an image, damaged or too big
   */
  public static Picture read(Path file, String what) {
    if (file == null || !Files.isRegularFile(file)) {
      throw new EngineException("The " + what + " " + file + " does not exist or is not a file.");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      return decode(in, what, file.getFileName().toString());
    } catch (IOException e) {
      throw notImage(file.getFileName().toString(), what);
    }
  }

  /**
   * Reads an image sent over the network ({@code bytes}, such as a server's PNG); {@code what}
   * names it in sentences ("image from the server gpu:8188"). Checked as a file is.
   *
   * @throws EngineException with one sentence when it is not an image, damaged or too big
   */
  public static Picture read(byte[] bytes, String what) {
    try (ImageInputStream in =
        ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes))) {
      return decode(in, what, "(" + bytes.length + " bytes)");
    } catch (IOException | NullPointerException e) {
      throw notImage("(no bytes)", what);
    }
  }

  private static Picture decode(ImageInputStream in, String what, String file) {
    try {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw notImage(file, what);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w < 1 || h < 1 || w * h > MAX_PIXELS || w > MAX_SIDE || h > MAX_SIDE) {
          throw new EngineException(
              String.format(
                  Locale.ROOT,
                  "The %s %s is %dx%d (%.1f megapixels); Stepwise takes images of at most 64"
                      + " megapixels (%,d pixels) and %d pixels a side.",
                  what,
                  file,
                  w,
                  h,
                  w * h / (double) (1 << 20),
                  MAX_PIXELS,
                  MAX_SIDE));
        }
        String[] warning = new String[1];
        reader.addIIOReadWarningListener(
            (IIOReadWarningListener) (source, message) -> warning[0] = message);
        BufferedImage img = reader.read(0);
        if (warning[0] != null) {
          throw damaged(file, what, warning[0]);
        }
        return picture(img);
      } finally {
        reader.dispose();
      }
    } catch (EngineException e) {
      throw e;
    } catch (IIOException e) {
      throw damaged(file, what, e.getMessage());
    } catch (IOException | RuntimeException e) {
      throw notImage(file, what);
    }
  }

  /** The pixels of a decoded image as 8-bit sRGB, with its alpha when it is not all opaque. */
  static Picture picture(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    byte[] rgb = new byte[w * h * 3]; // [H, W, 3]
    byte[] alpha = img.getColorModel().hasAlpha() ? new byte[w * h] : null; // [H, W]
    boolean translucent = false;
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int p = y * w + x;
        int argb = row[x];
        rgb[p * 3] = (byte) (argb >> 16);
        rgb[p * 3 + 1] = (byte) (argb >> 8);
        rgb[p * 3 + 2] = (byte) argb;
        if (alpha != null) {
          alpha[p] = (byte) (argb >>> 24);
          translucent |= (argb >>> 24) != 255;
        }
      }
    }
    return new Picture(new RgbImage(w, h, rgb), translucent ? alpha : null);
  }

  private static EngineException notImage(String file, String what) {
    return new EngineException(
        "The " + what + " " + file + " is not an image Stepwise can read; use a PNG or JPEG file.");
  }

  private static EngineException damaged(String file, String what, String detail) {
    return new EngineException(
        "The "
            + what
            + " "
            + file
            + " is damaged or cut short ("
            + (detail == null ? "the decoder stopped" : detail.strip())
            + "); use a complete PNG or JPEG file.");
  }
}
