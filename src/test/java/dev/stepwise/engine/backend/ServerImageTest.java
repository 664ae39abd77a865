package dev.stepwise.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.metadata.PngImage;
import dev.stepwise.metadata.ServerParameters;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a server's PNG is untrusted. Its pixels are kept whenever they decode; its {@code
 * parameters} text only when it is intact, within bounds and A1111's, else dropped with a reason.
 */
class ServerImageTest {
  private static final String TEXT =
      "a red heart\nNegative prompt: blurry\nSteps: 4, Sampler: Euler a, CFG scale: 7, Seed: 5,"
          + " Size: 8x8, Model hash: 88a90ee178, Model: tiny-sd, Version: Stepwise 0.1.0";

  private static final byte[] RGB = new byte[8 * 8 * 3]; // [H, W, 3]

  static {
    for (int i = 0; i < RGB.length; i++) {
      RGB[i] = (byte) (i * 7);
    }
  }

  @Test
  void anIntactTextIsKeptVerbatimWithItsModelHash() {
    ServerImage s = ServerImage.read(PngImage.encode(8, 8, RGB, Map.of("parameters", TEXT)));
    assertArrayEquals(RGB, s.rgb().rgb());
    assertEquals(TEXT, s.parameters());
    assertEquals("88a90ee178", s.modelHash());
    assertNull(s.dropped());
    ServerImage none = ServerImage.read(PngImage.encode(8, 8, RGB, Map.of()));
    assertNull(none.parameters());
    assertNull(none.dropped(), "no text is not a dropped text");
  }

  @Test
  void aLyingChunkIsDroppedAndThePixelsKept() {
    byte[] png = PngImage.encode(8, 8, RGB, Map.of("parameters", TEXT));
    int at = indexOf(png, "Seed: 5".getBytes(StandardCharsets.ISO_8859_1));
    png[at + 6] = '6'; // the text now lies about its seed; its CRC says so
    dropped(png, "CRC");
  }

  @Test
  void aHugeTextIsDroppedAndThePixelsKept() {
    String big = "x".repeat(ServerParameters.MAX_CHARS) + "\n" + TEXT.lines().toList().get(2);
    dropped(PngImage.encode(8, 8, RGB, Map.of("parameters", big)), "at most 65536 are kept");
    byte[] over = ("parameters\0" + "y".repeat(2 << 20)).getBytes(StandardCharsets.ISO_8859_1);
    dropped(withChunk("tEXt", over), "not read");
  }

  @Test
  void aTruncatedChunkIsDroppedAndThePixelsKept() {
    dropped(withChunk("tEXt", "parameters".getBytes(StandardCharsets.ISO_8859_1)), "not read");
    dropped(withChunk("tEXt", "parameters\0Steps: 4, Seed".getBytes()), "no line of parameters");
    dropped(PngImage.encode(8, 8, RGB, Map.of("parameters", "just a prompt")), "no line");
  }

  private static void dropped(byte[] png, String why) {
    ServerImage s = ServerImage.read(png);
    assertNotNull(s, "the pixels decode");
    assertArrayEquals(RGB, s.rgb().rgb());
    assertNull(s.parameters());
    assertNull(s.modelHash());
    assertTrue(s.dropped() != null && s.dropped().contains(why), s.dropped());
  }

  /** A PNG of {@link #RGB} with one more chunk, its CRC right, after IHDR. */
  private static byte[] withChunk(String type, byte[] data) {
    byte[] png = PngImage.encode(8, 8, RGB, Map.of());
    int afterIhdr = 8 + 8 + 13 + 4;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, afterIhdr);
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    out.write(png, afterIhdr, png.length - afterIhdr);
    return out.toByteArray();
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
