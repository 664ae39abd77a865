package dev.stepwise.app.explain;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads untrusted image files (PNG, JPEG, GIF, BMP) into RGB, refusing huge ones before decoding.
 */
final class ImageFiles {
  /** Largest side accepted, checked from the header before any pixel is decoded. */
  static final int MAX_SIDE = 8192;

  private ImageFiles() {}

  static RgbImage read(Path file) {
    if (file == null || !Files.isRegularFile(file)) {
      throw new EngineException("The image " + file + " does not exist or is not a file.");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw notImage(file);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w < 1 || h < 1 || w > MAX_SIDE || h > MAX_SIDE) {
          throw new EngineException(
              "The image "
                  + file.getFileName()
                  + " is "
                  + w
                  + "x"
                  + h
                  + "; the explorer takes"
                  + " images up to "
                  + MAX_SIDE
                  + " pixels a side.");
        }
        BufferedImage img = reader.read(0);
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        byte[] rgb = new byte[w * h * 3];
        for (int p = 0; p < px.length; p++) {
          rgb[p * 3] = (byte) (px[p] >> 16);
          rgb[p * 3 + 1] = (byte) (px[p] >> 8);
          rgb[p * 3 + 2] = (byte) px[p];
        }
        return new RgbImage(w, h, rgb);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof EngineException ee) {
        throw ee;
      }
      throw notImage(file);
    }
  }

  private static EngineException notImage(Path file) {
    return new EngineException(
        "The file "
            + file.getFileName()
            + " is not an image Stepwise can read; use PNG, JPEG, GIF"
            + " or BMP.");
  }
}
