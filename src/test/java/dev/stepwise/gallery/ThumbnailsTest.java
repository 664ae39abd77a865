package dev.stepwise.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A huge PNG gets its thumbnail from a subsampled decode (issue 20, item 17). */
@Tag("hostile")
class ThumbnailsTest {
  @TempDir Path dir;

  private static void chunk(DataOutputStream out, String type, byte[] data) throws Exception {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeInt(data.length);
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }

  /** A side x side 16-bit grey PNG, black with a white square in the top-left quarter. */
  private static byte[] bigGreyPng(int side) throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(png);
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(ihdr);
    h.writeInt(side);
    h.writeInt(side);
    h.write(new byte[] {16, 0, 0, 0, 0}); // 16-bit greyscale, no interlace
    chunk(out, "IHDR", ihdr.toByteArray());
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
      byte[] row = new byte[1 + 2 * side]; // filter byte 0, then 2 bytes a pixel
      for (int y = 0; y < side; y++) {
        java.util.Arrays.fill(row, (byte) 0);
        if (y < side / 2) {
          java.util.Arrays.fill(row, 1, 1 + side, (byte) 0xff); // left half of the row white
        }
        z.write(row);
      }
    }
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return png.toByteArray();
  }

  @Test
  void aHugeSixteenBitPngIsThumbnailedFromASubsampledDecode() throws Exception {
    Path file = dir.resolve("huge.png");
    Files.write(file, bigGreyPng(8192));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    byte[] thumb = Thumbnails.render(file, Thumbnails.SIZE);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    BufferedImage t = ImageIO.read(new ByteArrayInputStream(thumb));
    assertEquals(Thumbnails.SIZE, t.getWidth());
    assertEquals(Thumbnails.SIZE, t.getHeight());
    assertEquals(0xffffff, t.getRGB(10, 10) & 0xffffff, "the white quarter survives");
    assertEquals(0, t.getRGB(150, 150) & 0xffffff, "the black rest too");
    // A whole decode needs 8192 x 8192 x 2 bytes = 128 MiB for the raster alone (810 MB measured).
    assertTrue(allocated < 96L << 20, "allocated " + (allocated >> 20) + " MiB");
  }
}
