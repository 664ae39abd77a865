package dev.stepwise.engine.backend;

import com.google.gson.JsonElement;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.metadata.ServerParameters;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * One picture a server sent as base64 (a PNG, or a JPEG where the server was set so): its pixels
 * and, for a PNG, its {@code parameters} text read by {@link ServerParameters} within bounds. A
 * text that is damaged, lying, over the limit or not A1111's is dropped with the sentence why; the
 * pixels are kept whenever the image decodes.
 *
 * @param rgb the pixels
 * @param parameters the server's {@code parameters} text verbatim, or null
 * @param modelHash the {@code Model hash} that text names, or null
 * @param dropped why a text present was dropped, or null
 */
record ServerImage(RgbImage rgb, String parameters, String modelHash, String dropped) {

  /** The picture in {@code e} (base64, a data: URL's too), or null when it holds none. */
  static ServerImage read(JsonElement e) {
    byte[] bytes = bytes(e);
    return bytes == null ? null : read(bytes);
  }

  /** A preview's pixels only (its text is not read), or null when {@code e} holds none. */
  static RgbImage preview(JsonElement e) {
    byte[] bytes = bytes(e);
    return bytes == null ? null : pixels(bytes);
  }

  private static byte[] bytes(JsonElement e) {
    if (e == null || !e.isJsonPrimitive()) {
      return null;
    }
    String b = e.getAsString();
    int comma = b.startsWith("data:") ? b.indexOf(',') : -1;
    try {
      return Base64.getMimeDecoder().decode(b.substring(comma + 1));
    } catch (IllegalArgumentException ex) {
      return null;
    }
  }

  /** The picture in {@code bytes}, or null when they are not one. */
  static ServerImage read(byte[] bytes) {
    RgbImage rgb = pixels(bytes);
    if (rgb == null) {
      return null;
    }
    if (bytes.length < 8 || bytes[0] != (byte) 0x89 || bytes[1] != 'P') {
      return new ServerImage(rgb, null, null, null); // not a PNG: no text to read
    }
    ServerParameters.Read p = ServerParameters.read(bytes);
    return new ServerImage(
        rgb, p.text(), p.parsed() == null ? null : p.parsed().modelHash(), p.dropped());
  }

  private static RgbImage pixels(byte[] bytes) {
    try {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
      if (img == null) {
        return null;
      }
      int w = img.getWidth();
      int h = img.getHeight();
      byte[] rgb = new byte[w * h * 3]; // [H, W, 3]
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        img.getRGB(0, y, w, 1, row, 0, w);
        for (int x = 0; x < w; x++) {
          int p = (y * w + x) * 3;
          rgb[p] = (byte) (row[x] >> 16);
          rgb[p + 1] = (byte) (row[x] >> 8);
          rgb[p + 2] = (byte) row[x];
        }
      }
      return new RgbImage(w, h, rgb);
    } catch (IOException | RuntimeException ex) {
      return null;
    }
  }
}
