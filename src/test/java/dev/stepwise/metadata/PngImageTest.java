package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PngImageTest {
  @TempDir Path dir;

  /** Noise in one region, gradients and flat areas elsewhere, so every filter has a row to win. */
  static byte[] testImage(int w, int h, int ch, long seed) {
    Random r = new Random(seed);
    byte[] px = new byte[w * h * ch];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < ch; c++) {
          int v;
          if (y % 4 == 0) {
            v = r.nextInt(256);
          } else if (y % 4 == 1) {
            v = x * 3 + c * 40;
          } else if (y % 4 == 2) {
            v = y * 5 + c;
          } else {
            v = (x * y + c * 17) ^ (x >> 2);
          }
          px[(y * w + x) * ch + c] = (byte) v;
        }
      }
    }
    return px;
  }

  @ParameterizedTest
  @CsvSource({"1, 1, 3", "3, 7, 3", "64, 48, 3", "17, 5, 4", "40, 33, 4"})
  void imageIoDecodesTheSamePixels(int w, int h, int ch) throws Exception {
    byte[] px = testImage(w, h, ch, w * 31L + h);
    byte[] png = PngImage.encode(w, h, ch, px, Map.of("parameters", "x"), false);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(w, img.getWidth());
    assertEquals(h, img.getHeight());
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = img.getRGB(x, y);
        int i = (y * w + x) * ch;
        assertEquals(px[i] & 0xFF, (argb >> 16) & 0xFF);
        assertEquals(px[i + 1] & 0xFF, (argb >> 8) & 0xFF);
        assertEquals(px[i + 2] & 0xFF, argb & 0xFF);
        if (ch == 4) {
          assertEquals(px[i + 3] & 0xFF, (argb >>> 24) & 0xFF);
        }
      }
    }
  }

  @Test
  void naiveDecoderAgreesAndSeveralFiltersAreUsed() throws Exception {
    int w = 96;
    int h = 64;
    byte[] px = testImage(w, h, 3, 5);
    byte[] png = PngImage.encode(w, h, px, Map.of());
    byte[][] decoded = TestPng.decodeNaive(png, w, h, 3);
    assertArrayEquals(px, decoded[0]);
    Set<Byte> used = new HashSet<>();
    for (byte f : decoded[1]) {
      used.add(f);
    }
    assertTrue(used.size() >= 3, "filters used: " + used);
  }

  @Test
  void paethPredictorMatchesSpecExamples() {
    assertEquals(10, PngFilters.paeth(10, 20, 20)); // p = 10: left is exact
    assertEquals(20, PngFilters.paeth(10, 20, 10)); // p = 20: above is exact
    assertEquals(20, PngFilters.paeth(10, 20, 5)); // p = 25: above is nearest
    assertEquals(15, PngFilters.paeth(10, 20, 15)); // p = 15: upper left is exact
    assertEquals(10, PngFilters.paeth(10, 10, 0)); // p = 20: left and above tie, left wins
    assertEquals(200, PngFilters.paeth(100, 200, 100));
  }

  @Test
  void compressesSmoothImagesWell() {
    int w = 256;
    int h = 256;
    byte[] px = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[(y * w + x) * 3] = (byte) x;
        px[(y * w + x) * 3 + 1] = (byte) y;
        px[(y * w + x) * 3 + 2] = (byte) (x + y);
      }
    }
    byte[] png = PngImage.encode(w, h, px, Map.of());
    assertTrue(png.length < px.length / 20, "size " + png.length);
  }

  @Test
  void choosesTextChunkTypeLikePillow() {
    Map<String, String> text = new LinkedHashMap<>();
    text.put("parameters", "café, naïve £5");
    text.put("Comment", "猫 and 😀");
    List<String> types = types(PngImage.encode(1, 1, new byte[3], text));
    assertEquals(List.of("IHDR", "tEXt", "iTXt", "IDAT", "IEND"), types);
    List<String> zipped = types(PngImage.encode(1, 1, 3, new byte[3], text, true));
    assertEquals(List.of("IHDR", "zTXt", "iTXt", "IDAT", "IEND"), zipped);
    TestPng.Chunk itxt = TestPng.chunks(PngImage.encode(1, 1, 3, new byte[3], text, true)).get(2);
    assertEquals(1, itxt.data()[8]); // "Comment" + NUL, then the compression flag
    assertEquals(text, PngText.read(PngImage.encode(1, 1, 3, new byte[3], text, true)));
  }

  private static List<String> types(byte[] png) {
    return TestPng.chunks(png).stream().map(TestPng.Chunk::type).collect(Collectors.toList());
  }

  @Test
  void refusesBadArguments() {
    assertThrows(MetadataException.class, () -> PngImage.encode(0, 1, new byte[0], Map.of()));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(16385, 1, new byte[16385 * 3], Map.of()));
    assertThrows(MetadataException.class, () -> PngImage.encode(2, 2, new byte[11], Map.of()));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, 2, new byte[2], Map.of(), false));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], Map.of("", "x")));
    assertThrows(
        MetadataException.class,
        () -> PngImage.encode(1, 1, new byte[3], Map.of("k".repeat(80), "x")));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], Map.of("a\0b", "x")));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], Map.of("猫", "x")));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], Map.of(" lead", "x")));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], Map.of("k", "nul\0")));
    assertThrows(
        MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], Map.of("k", "\ud800")));
    assertThrows(
        MetadataException.class,
        () -> PngImage.encode(1, 1, new byte[3], Map.of("k", "x".repeat((1 << 20) + 1))));
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 65; i++) {
      many.put("k" + i, "v");
    }
    assertThrows(MetadataException.class, () -> PngImage.encode(1, 1, new byte[3], many));
    String ok = "k".repeat(79);
    assertEquals("v", PngText.read(PngImage.encode(1, 1, new byte[3], Map.of(ok, "v"))).get(ok));
  }

  @Test
  void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws Exception {
    Path file = dir.resolve("out.png");
    Files.writeString(file, "old");
    byte[] px = testImage(8, 8, 3, 1);
    PngImage.write(file, 8, 8, px, Map.of("parameters", "a cat"));
    assertEquals(List.of("out.png"), listing());
    byte[] bytes = Files.readAllBytes(file);
    assertArrayEquals(PngImage.encode(8, 8, px, Map.of("parameters", "a cat")), bytes);
    assertEquals("a cat", PngText.read(file).get("parameters"));
  }

  @Test
  void failedMoveLeavesNothingBehind() throws Exception {
    Path target = dir.resolve("busy.png");
    Files.createDirectory(target);
    Files.writeString(target.resolve("inside.txt"), "keep");
    MetadataException e =
        assertThrows(
            MetadataException.class, () -> PngImage.write(target, 2, 2, new byte[12], Map.of()));
    assertTrue(e.getMessage().startsWith("Cannot save the image to "), e.getMessage());
    assertEquals(List.of("busy.png"), listing());
    assertTrue(Files.isDirectory(target));
  }

  @Test
  void badArgumentsOrMissingFolderCreateNothing() throws Exception {
    assertThrows(
        MetadataException.class,
        () -> PngImage.write(dir.resolve("x.png"), 2, 2, new byte[5], Map.of()));
    assertThrows(
        MetadataException.class,
        () -> PngImage.write(dir.resolve("no/such/x.png"), 2, 2, new byte[12], Map.of()));
    assertEquals(List.of(), listing());
  }

  @Test
  void unwritableFolderLeavesNothingBehind() throws Exception {
    assumeTrue(!"root".equals(System.getProperty("user.name")), "root ignores permissions");
    Path ro = Files.createDirectory(dir.resolve("ro"));
    try {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    } catch (UnsupportedOperationException | IOException e) {
      assumeTrue(false, "no POSIX permissions here");
    }
    try {
      assertThrows(
          MetadataException.class,
          () -> PngImage.write(ro.resolve("x.png"), 2, 2, new byte[12], Map.of()));
      try (Stream<Path> s = Files.list(ro)) {
        assertFalse(s.findAny().isPresent());
      }
    } finally {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
