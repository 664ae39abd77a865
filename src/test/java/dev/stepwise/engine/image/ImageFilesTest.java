package dev.stepwise.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Init images and masks are untrusted files: a header claiming more than 64 megapixels, a cut-short
 * JPEG and a file that is no image are each refused in one sentence before anything is decoded or
 * used; transparency is read as A1111 reads it.
 */
@Tag("hostile")
class ImageFilesTest {
  @TempDir Path tmp;

  private static byte[] chunk(String type, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(12 + data.length);
    b.putInt(data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
    CRC32 crc = new CRC32();
    crc.update(type.getBytes(StandardCharsets.US_ASCII));
    crc.update(data);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /** A PNG that is only a header claiming w x h (8-bit RGB), and an end. */
  static byte[] lyingPng(int w, int h) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    out.write(
        chunk(
            "IHDR",
            ByteBuffer.allocate(13).putInt(w).putInt(h).put(new byte[] {8, 2, 0, 0, 0}).array()));
    out.write(chunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  static byte[] encoded(BufferedImage img, String format) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, format, out));
    return out.toByteArray();
  }

  @Test
  void aHeaderOver64MegapixelsIsRefusedBeforeDecoding() throws Exception {
    Path big = tmp.resolve("big.png");
    Files.write(big, lyingPng(9000, 9000));
    EngineException e =
        assertThrows(EngineException.class, () -> ImageFiles.read(big, "init image"));
    assertEquals(
        "The init image big.png is 9000x9000 (77.2 megapixels); Stepwise takes images of at most"
            + " 64 megapixels (67,108,864 pixels) and 16384 pixels a side.",
        e.getMessage());
    Path tall = tmp.resolve("tall.png");
    Files.write(tall, lyingPng(2, 20000));
    assertTrue(
        assertThrows(EngineException.class, () -> ImageFiles.read(tall, "mask"))
            .getMessage()
            .startsWith("The mask tall.png is 2x20000"));
  }

  @Test
  void aCutShortJpegIsRefused() throws Exception {
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | ((x ^ y) * 3));
      }
    }
    byte[] jpeg = encoded(img, "jpg");
    Path cut = tmp.resolve("cut.jpg");
    Files.write(cut, Arrays.copyOf(jpeg, jpeg.length * 6 / 10));
    EngineException e =
        assertThrows(EngineException.class, () -> ImageFiles.read(cut, "init image"));
    assertTrue(
        e.getMessage().startsWith("The init image cut.jpg is damaged or cut short ("),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("); use a complete PNG or JPEG file."), e.getMessage());
    Path whole = tmp.resolve("whole.jpg");
    Files.write(whole, jpeg);
    assertEquals(64, ImageFiles.read(whole, "init image").rgb().width());
  }

  @Test
  void somethingElseIsNotAnImage() throws Exception {
    Path text = tmp.resolve("notes.png");
    Files.writeString(text, "not a picture at all");
    assertEquals(
        "The init image notes.png is not an image Stepwise can read; use a PNG or JPEG file.",
        assertThrows(EngineException.class, () -> ImageFiles.read(text, "init image"))
            .getMessage());
    Path missing = tmp.resolve("gone.png");
    assertTrue(
        assertThrows(EngineException.class, () -> ImageFiles.read(missing, "mask"))
            .getMessage()
            .endsWith("gone.png does not exist or is not a file."));
  }

  @Test
  void transparencyFlattensOntoWhiteAndIsTheMask() throws Exception {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0x00ff0000); // transparent red
    img.setRGB(1, 0, 0xff102030); // opaque
    Path f = tmp.resolve("alpha.png");
    Files.write(f, encoded(img, "png"));
    ImageFiles.Picture p = ImageFiles.read(f, "mask");
    RgbImage flat = p.flattened();
    assertEquals(0xffffff, flat.rgbAt(0, 0));
    assertEquals(0x102030, flat.rgbAt(1, 0));
    RgbImage grey = p.maskGrey();
    assertEquals(0x000000, grey.rgbAt(0, 0));
    assertEquals(0xffffff, grey.rgbAt(1, 0));
    BufferedImage opaque = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
    opaque.setRGB(0, 0, 0xff808080);
    Path o = tmp.resolve("opaque.png");
    Files.write(o, encoded(opaque, "png"));
    assertNull(ImageFiles.read(o, "mask").alpha());
  }
}
