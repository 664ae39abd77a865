package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GifWriterTest {

  /** A frame of 4x4 blocks of colours from a small palette, different for every seed. */
  static RgbImage blocks(int w, int h, long seed) {
    Random r = new Random(seed);
    int[] palette = new int[12];
    for (int i = 0; i < palette.length; i++) {
      palette[i] = r.nextInt(1 << 24);
    }
    byte[] rgb = new byte[w * h * 3];
    int[] pick = new int[((w + 3) / 4) * ((h + 3) / 4)];
    for (int i = 0; i < pick.length; i++) {
      pick[i] = palette[r.nextInt(palette.length)];
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int c = pick[(y / 4) * ((w + 3) / 4) + x / 4];
        int i = (y * w + x) * 3;
        rgb[i] = (byte) (c >> 16);
        rgb[i + 1] = (byte) (c >> 8);
        rgb[i + 2] = (byte) c;
      }
    }
    return new RgbImage(w, h, rgb);
  }

  record Decoded(List<BufferedImage> frames, List<Integer> delays, int loops) {}

  static Decoded decode(byte[] gif) throws Exception {
    ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(gif))) {
      reader.setInput(in, false);
      int n = reader.getNumImages(true);
      List<BufferedImage> frames = new ArrayList<>();
      List<Integer> delays = new ArrayList<>();
      int loops = -1;
      for (int i = 0; i < n; i++) {
        frames.add(reader.read(i));
        IIOMetadataNode root =
            (IIOMetadataNode) reader.getImageMetadata(i).getAsTree("javax_imageio_gif_image_1.0");
        IIOMetadataNode gce =
            (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
        delays.add(Integer.parseInt(gce.getAttribute("delayTime")));
        var apps = root.getElementsByTagName("ApplicationExtension");
        for (int a = 0; a < apps.getLength(); a++) {
          IIOMetadataNode app = (IIOMetadataNode) apps.item(a);
          if ("NETSCAPE".equals(app.getAttribute("applicationID"))) {
            byte[] b = (byte[]) app.getUserObject();
            loops = (b[1] & 0xff) | (b[2] & 0xff) << 8;
          }
        }
      }
      return new Decoded(frames, delays, loops);
    } finally {
      reader.dispose();
    }
  }

  @Test
  void framesRoundTripExactlyWithLoopAndDelay() throws Exception {
    List<RgbImage> frames = List.of(blocks(20, 12, 1), blocks(20, 12, 2), blocks(20, 12, 3));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GifWriter.encode(out, frames, 12, 0);
    byte[] gif = out.toByteArray();
    assertEquals("GIF89a", new String(gif, 0, 6, java.nio.charset.StandardCharsets.US_ASCII));
    Decoded d = decode(gif);
    assertEquals(3, d.frames().size());
    assertEquals(0, d.loops());
    assertEquals(List.of(12, 12, 12), d.delays());
    for (int i = 0; i < 3; i++) {
      BufferedImage img = d.frames().get(i);
      assertEquals(20, img.getWidth());
      assertEquals(12, img.getHeight());
      for (int y = 0; y < 12; y++) {
        for (int x = 0; x < 20; x++) {
          assertEquals(
              frames.get(i).rgbAt(x, y),
              img.getRGB(x, y) & 0xffffff,
              "frame " + i + " " + x + "," + y);
        }
      }
    }
  }

  @Test
  void manyColoursStayClose() throws Exception {
    byte[] rgb = new byte[32 * 32 * 3];
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int i = (y * 32 + x) * 3;
        rgb[i] = (byte) (x * 8);
        rgb[i + 1] = (byte) (y * 8);
        rgb[i + 2] = (byte) ((x + y) * 4);
      }
    }
    RgbImage f = new RgbImage(32, 32, rgb);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GifWriter.encode(out, List.of(f), 5, 3);
    Decoded d = decode(out.toByteArray());
    assertEquals(3, d.loops());
    double err = 0;
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        int a = f.rgbAt(x, y);
        int b = d.frames().get(0).getRGB(x, y);
        for (int s = 0; s <= 16; s += 8) {
          err += Math.abs(((a >> s) & 0xff) - ((b >> s) & 0xff));
        }
      }
    }
    assertTrue(err / (32 * 32 * 3) < 8, "mean error " + err / (32 * 32 * 3));
  }

  @Test
  void writeIsAtomicAndReportsBadInput(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("steps.gif");
    GifWriter.write(file, List.of(blocks(8, 8, 4), blocks(8, 8, 5)), 10, 0);
    assertEquals(2, decode(Files.readAllBytes(file)).frames().size());
    try (var s = Files.list(dir)) {
      assertEquals(List.of(file), s.toList(), "no temporary file is left");
    }
    ExportException mixed =
        assertThrows(
            ExportException.class,
            () -> GifWriter.write(file, List.of(blocks(8, 8, 4), blocks(16, 8, 5)), 10, 0));
    assertTrue(mixed.getMessage().contains("8x8 and 16x8"), mixed.getMessage());
    assertEquals(2, decode(Files.readAllBytes(file)).frames().size(), "old file untouched");
    ExportException missing =
        assertThrows(
            ExportException.class,
            () -> GifWriter.write(dir.resolve("nope/x.gif"), List.of(blocks(8, 8, 4)), 10, 0));
    assertTrue(missing.getMessage().startsWith("Could not save the animation"));
    assertFalse(missing.getMessage().contains("\n"));
    assertThrows(ExportException.class, () -> GifWriter.write(file, List.of(), 10, 0));
  }
}
