package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stepwise.engine.RgbImage;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngFramesTest {
  @Test
  void namesSortInFrameOrder() {
    assertEquals("frame-0001.png", PngFrames.fileName("frame", 0, 20));
    assertEquals("frame-0020.png", PngFrames.fileName("frame", 19, 20));
    assertEquals("f-00001.png", PngFrames.fileName("f", 0, 12345));
  }

  @Test
  void writesEveryFrameDecodable(@TempDir Path dir) throws Exception {
    List<RgbImage> frames = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      frames.add(GifWriterTest.blocks(8, 4, i));
    }
    List<Path> files = PngFrames.write(dir, "frame", frames);
    assertEquals(12, files.size());
    try (var s = Files.list(dir)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(12, names.size());
      assertEquals("frame-0001.png", names.get(0));
      assertEquals("frame-0012.png", names.get(11));
    }
    BufferedImage img = ImageIO.read(files.get(7).toFile());
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 8; x++) {
        assertEquals(frames.get(7).rgbAt(x, y), img.getRGB(x, y) & 0xffffff);
      }
    }
    assertThrows(
        ExportException.class, () -> PngFrames.write(dir.resolve("missing"), "frame", frames));
  }
}
