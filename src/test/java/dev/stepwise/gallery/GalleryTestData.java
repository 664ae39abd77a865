package dev.stepwise.gallery;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Recipes, pixels and hand-built PNGs for the gallery tests. */
final class GalleryTestData {
  private GalleryTestData() {}

  static Recipe recipe(String prompt, long seed) {
    return new Recipe(
        prompt,
        "blurry",
        "tiny-sd",
        "abcdef0123",
        "euler_a",
        true,
        12,
        6.5,
        0,
        seed,
        8,
        8,
        1234,
        "Stepwise test",
        Instant.parse("2026-11-27T14:25:01Z"),
        Map.of());
  }

  /** An 8x8 RGB image whose colour depends on {@code seed}. */
  static byte[] pixels(long seed) {
    byte[] rgb = new byte[8 * 8 * 3];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (seed * 31 + i);
    }
    return rgb;
  }

  /** A raw chunk: length, type, data, CRC. */
  static byte[] chunk(String type, byte[] data) {
    CRC32 crc = new CRC32();
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    crc.update(t);
    crc.update(data);
    return ByteBuffer.allocate(12 + data.length)
        .putInt(data.length)
        .put(t)
        .put(data)
        .putInt((int) crc.getValue())
        .array();
  }

  /** A 1x1 grey PNG with the given chunks between IHDR and IDAT. */
  static byte[] png(byte[]... middle) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    out.writeBytes(
        chunk(
            "IHDR",
            ByteBuffer.allocate(13).putInt(1).putInt(1).put(new byte[] {8, 0, 0, 0, 0}).array()));
    for (byte[] m : middle) {
      out.writeBytes(m);
    }
    out.writeBytes(chunk("IDAT", zlib(new byte[] {0, (byte) 128})));
    out.writeBytes(chunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  static byte[] text(String type, String key, String value) {
    byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream d = new ByteArrayOutputStream();
    d.writeBytes(k);
    d.write(0);
    switch (type) {
      case "tEXt" -> d.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
      case "zTXt" -> {
        d.write(0);
        d.writeBytes(zlib(value.getBytes(StandardCharsets.ISO_8859_1)));
      }
      default -> {
        d.writeBytes(new byte[] {1, 0, 0, 0});
        d.writeBytes(zlib(value.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return chunk(type, d.toByteArray());
  }

  static byte[] zlib(byte[] data) {
    Deflater d = new Deflater(9);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }
}
