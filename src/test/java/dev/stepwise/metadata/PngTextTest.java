package dev.stepwise.metadata;

import static dev.stepwise.metadata.TestPng.chunk;
import static dev.stepwise.metadata.TestPng.concat;
import static dev.stepwise.metadata.TestPng.iend;
import static dev.stepwise.metadata.TestPng.latin1;
import static dev.stepwise.metadata.TestPng.minimalHead;
import static dev.stepwise.metadata.TestPng.zlib;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngTextTest {
  @TempDir Path dir;

  @Test
  void readsBackWhatWasWrittenIncludingA1111Parameters() throws Exception {
    GenerationParameters p = InfoText.parse(InfoTextTest.A1111_EXAMPLE);
    Map<String, String> text = new LinkedHashMap<>();
    text.put("parameters", InfoText.format(p));
    text.put("Title", "ünïcödé 猫");
    Path file = dir.resolve("a.png");
    PngImage.write(file, 4, 3, PngImageTest.testImage(4, 3, 3, 9), text);
    Map<String, String> back = PngText.read(file);
    assertEquals(text, back);
    assertEquals(List.copyOf(text.keySet()), List.copyOf(back.keySet()));
    assertEquals(p, InfoText.parse(back.get("parameters")));
  }

  @Test
  void readsAllThreeTextChunkKindsAnywhereInTheFile() {
    byte[] itxtPlain =
        concat(
            latin1("plain"),
            new byte[] {0, 0, 0},
            latin1("en"),
            new byte[] {0},
            "Titel".getBytes(StandardCharsets.UTF_8),
            new byte[] {0},
            "猫 plain".getBytes(StandardCharsets.UTF_8));
    byte[] itxtZip =
        concat(
            latin1("zipped"),
            new byte[] {0, 1, 0, 0, 0},
            zlib("猫 zipped".getBytes(StandardCharsets.UTF_8)));
    byte[] ztxt = concat(latin1("z"), new byte[] {0, 0}, zlib(latin1("café")));
    byte[] png =
        concat(
            minimalHead(),
            chunk("tEXt", concat(latin1("t"), new byte[] {0}, latin1("£5"))),
            chunk("zTXt", ztxt),
            chunk("iTXt", itxtPlain),
            chunk("iTXt", itxtZip),
            iend());
    Map<String, String> m = PngText.read(png);
    assertEquals(Map.of("t", "£5", "z", "café", "plain", "猫 plain", "zipped", "猫 zipped"), m);
  }

  @Test
  void refusesWrongSignatureTruncationAndMissingIend() {
    byte[] good = PngImage.encode(2, 2, new byte[12], Map.of("parameters", "x"));
    byte[] badSig = good.clone();
    badSig[1] = 'Q';
    assertMessage("not a PNG image", () -> PngText.read(badSig));
    for (int cut : new int[] {7, 12, 30, good.length - 13, good.length - 1}) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThrows(MetadataException.class, () -> PngText.read(truncated), "cut at " + cut);
    }
    byte[] noIend = concat(minimalHead());
    assertMessage("ends before the IEND chunk", () -> PngText.read(noIend));
  }

  @Test
  void refusesBadCrcInTextAndImageChunks() {
    byte[] good = PngImage.encode(2, 2, new byte[12], Map.of("parameters", "x"));
    int textAt = indexOf(good, "tEXt");
    byte[] badText = good.clone();
    badText[textAt + 5] ^= 1;
    assertMessage("chunk tEXt fails its CRC check", () -> PngText.read(badText));
    int idatAt = indexOf(good, "IDAT");
    byte[] badIdat = good.clone();
    badIdat[idatAt + 6] ^= 1;
    assertMessage("chunk IDAT fails its CRC check", () -> PngText.read(badIdat));
  }

  @Test
  void refusesChunkLengthPastTheEnd() {
    byte[] good = PngImage.encode(2, 2, new byte[12], Map.of("parameters", "x"));
    byte[] bad = good.clone();
    int at = indexOf(good, "IDAT") - 4;
    bad[at] = 0x7F; // length of about 2 GiB
    assertMessage("runs past the end of the file", () -> PngText.read(bad));
  }

  @Test
  void refusesOversizedTextChunkBeforeReadingIt() {
    byte[] big = new byte[(1 << 20) + 1];
    Arrays.fill(big, (byte) 'a');
    big[1] = 0;
    byte[] png = concat(minimalHead(), chunk("tEXt", big), iend());
    assertMessage("text chunks over 1 MiB are not read", () -> PngText.read(png));
  }

  @Test
  void refusesZtxtBombQuickly() {
    byte[] bomb = deflateZeros(50 << 20);
    assertTrue(bomb.length < 200_000, "bomb is " + bomb.length + " bytes");
    byte[] png =
        concat(
            minimalHead(),
            chunk("zTXt", concat(latin1("parameters"), new byte[] {0, 0}, bomb)),
            iend());
    MetadataException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> assertThrows(MetadataException.class, () -> PngText.read(png)));
    assertTrue(e.getMessage().contains("expands beyond 1 MiB"), e.getMessage());
    byte[] itxt =
        concat(
            minimalHead(),
            chunk("iTXt", concat(latin1("parameters"), new byte[] {0, 1, 0, 0, 0}, bomb)),
            iend());
    assertMessage("expands beyond 1 MiB", () -> PngText.read(itxt));
  }

  @Test
  void refusesBrokenCompressedText() {
    byte[] z = zlib(latin1("hello world"));
    byte[] cut = Arrays.copyOf(z, z.length - 6);
    byte[] png =
        concat(minimalHead(), chunk("zTXt", concat(latin1("k"), new byte[] {0, 0}, cut)), iend());
    assertMessage("is cut short", () -> PngText.read(png));
    byte[] junk =
        concat(
            minimalHead(),
            chunk("zTXt", concat(latin1("k"), new byte[] {0, 0}, latin1("junk!"))),
            iend());
    assertMessage("not valid zlib data", () -> PngText.read(junk));
    byte[] method =
        concat(minimalHead(), chunk("zTXt", concat(latin1("k"), new byte[] {0, 7}, z)), iend());
    assertMessage("unknown compression method", () -> PngText.read(method));
  }

  /**
   * Issue 20, item 8: a million empty chunks and no end cost 55 s and 800 MB on every scan (a 64
   * KiB buffer per skipped chunk, no bound on the walk). Now the walk stops at {@link
   * PngChunks#MAX_CHUNKS}, in constant memory, with one sentence.
   */
  @Test
  void aMillionEmptyChunksStopAtTheChunkBoundQuickly() throws Exception {
    Path file = dir.resolve("crafted.png");
    byte[] empty = chunk("zzZz", new byte[0]);
    try (var out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(minimalHead());
      for (int i = 0; i < 1_000_000; i++) {
        out.write(empty);
      }
      out.write(new byte[] {0, 0, 0, 5, 't', 'E'}); // cut short
    }
    MetadataException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> assertThrows(MetadataException.class, () -> PngText.read(file)));
    assertEquals(
        "The image crafted.png has more than "
            + PngChunks.MAX_CHUNKS
            + " chunks, which is more than Stepwise reads.",
        e.getMessage());
    // a real image with many IDAT chunks (libpng's 8 KiB each, a 256 MiB file) stays readable
    assertTrue(PngChunks.MAX_CHUNKS > (256 << 20) / 8192);
  }

  @Test
  void refusesTooManyTextChunksAndKeywordlessChunks() {
    ByteArrayOutputStream many = new ByteArrayOutputStream();
    many.writeBytes(minimalHead());
    for (int i = 0; i < 65; i++) {
      many.writeBytes(chunk("tEXt", latin1("k" + i + "\0v")));
    }
    many.writeBytes(iend());
    assertMessage("more than 64 text chunks", () -> PngText.read(many.toByteArray()));
    byte[] noKey = concat(minimalHead(), chunk("tEXt", latin1("\0v")), iend());
    assertMessage("no keyword", () -> PngText.read(noKey));
    byte[] longKey = concat(minimalHead(), chunk("tEXt", latin1("k".repeat(80) + "\0v")), iend());
    assertMessage("no keyword", () -> PngText.read(longKey));
  }

  @Test
  void refusesFileOverTheLimitBeforeReadingIt() throws Exception {
    Path file = dir.resolve("big.png");
    PngImage.write(file, 32, 32, PngImageTest.testImage(32, 32, 3, 2), Map.of());
    long size = Files.size(file);
    assertMessage(
        "files over " + (size - 1) + " bytes are not read", () -> PngText.read(file, size - 1));
    assertEquals(Map.of(), PngText.read(file, size));
    assertMessage("does not exist", () -> PngText.read(dir.resolve("none.png")));
  }

  @Test
  void textChunksHoldingUtf8AreReadAsUtf8AndLatin1StaysLatin1() {
    // Stability Matrix writes UTF-8 into tEXt; the PNG specification says Latin-1
    byte[] utf8 = "#テスト café".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] latin = "café".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] png =
        concat(
            minimalHead(),
            chunk("tEXt", concat(latin1("parameters"), new byte[] {0}, utf8)),
            chunk("zTXt", concat(latin1("Title"), new byte[] {0, 0}, zlib(utf8))),
            chunk("tEXt", concat(latin1("Comment"), new byte[] {0}, latin)),
            chunk("IEND", new byte[0]));
    Map<String, String> text = PngText.read(png);
    assertEquals("#テスト café", text.get("parameters"));
    assertEquals("#テスト café", text.get("Title"));
    assertEquals("café", text.get("Comment")); // 0xE9 alone is not UTF-8
  }

  @Test
  void mutatedTextChunksOnlyEverRaiseMetadataException() {
    Map<String, String> text = new LinkedHashMap<>();
    text.put("parameters", "a cat, on a mat\nSteps: 20, Seed: 1, Size: 8x8");
    text.put("Comment", "猫 ünï");
    byte[] zipped = PngImage.encode(2, 2, 3, new byte[12], text, true);
    byte[] plain = PngImage.encode(2, 2, 3, new byte[12], text, false);
    java.util.Random r = new java.util.Random(11);
    int read = 0;
    for (int i = 0; i < 3000; i++) {
      List<TestPng.Chunk> chunks = TestPng.chunks(i % 2 == 0 ? zipped : plain);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(PngChunks.SIGNATURE);
      for (TestPng.Chunk c : chunks) {
        byte[] data = c.data().clone();
        if (c.type().endsWith("TXt") && data.length > 0) {
          for (int k = r.nextInt(3) + 1; k > 0; k--) {
            data[r.nextInt(data.length)] = (byte) (r.nextBoolean() ? 0 : r.nextInt(256));
          }
          if (r.nextInt(4) == 0) {
            data = Arrays.copyOf(data, r.nextInt(data.length + 1));
          }
        }
        out.writeBytes(chunk(c.type(), data)); // valid CRC, so the decoders see the damage
      }
      byte[] png = out.toByteArray();
      try {
        PngText.read(png);
        read++;
      } catch (MetadataException expected) {
        assertTrue(expected.getMessage().endsWith("."), expected.getMessage());
      }
    }
    assertTrue(read > 100, "only " + read + " mutants were readable");
  }

  private static byte[] deflateZeros(int total) {
    Deflater d = new Deflater(9);
    byte[] zeros = new byte[1 << 20];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    for (int fed = 0; fed < total; fed += zeros.length) {
      d.setInput(zeros);
      while (!d.needsInput()) {
        out.write(buf, 0, d.deflate(buf));
      }
    }
    d.finish();
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  private static int indexOf(byte[] hay, String type) {
    byte[] t = latin1(type);
    outer:
    for (int i = 0; i + 4 <= hay.length; i++) {
      for (int k = 0; k < 4; k++) {
        if (hay[i + k] != t[k]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError(type + " not found");
  }

  private static void assertMessage(String part, org.junit.jupiter.api.function.Executable ex) {
    MetadataException e = assertThrows(MetadataException.class, ex);
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertTrue(e.getMessage().endsWith("."), e.getMessage());
  }
}
