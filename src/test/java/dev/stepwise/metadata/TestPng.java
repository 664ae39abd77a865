package dev.stepwise.metadata;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** Test helpers that build and take apart PNG files independently of the code under test. */
final class TestPng {
  private TestPng() {}

  record Chunk(String type, byte[] data) {}

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

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] zlib(byte[] data) {
    Deflater d = new Deflater(9);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  /** A valid 1x1 RGB PNG's IHDR and IDAT chunks, built by hand. */
  static byte[] minimalHead() {
    byte[] ihdr =
        ByteBuffer.allocate(13).putInt(1).putInt(1).put(new byte[] {8, 2, 0, 0, 0}).array();
    return concat(
        PngChunks.SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", zlib(new byte[] {0, 1, 2, 3})));
  }

  static byte[] iend() {
    return chunk("IEND", new byte[0]);
  }

  static List<Chunk> chunks(byte[] png) {
    List<Chunk> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(png);
    b.position(8);
    while (b.remaining() >= 12) {
      int len = b.getInt();
      byte[] t = new byte[4];
      b.get(t);
      byte[] data = new byte[len];
      b.get(data);
      b.getInt();
      out.add(new Chunk(new String(t, StandardCharsets.ISO_8859_1), data));
    }
    return out;
  }

  /**
   * Decodes the pixels of a non-interlaced 8-bit PNG with the reconstruction formulas of the PNG
   * specification section 9.2, written out the plain way; returns {pixels, filter types used}.
   */
  static byte[][] decodeNaive(byte[] png, int width, int height, int bpp) throws Exception {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    for (Chunk c : chunks(png)) {
      if (c.type().equals("IDAT")) {
        z.writeBytes(c.data());
      }
    }
    Inflater inf = new Inflater();
    inf.setInput(z.toByteArray());
    int stride = width * bpp;
    byte[] raw = new byte[(stride + 1) * height];
    int got = 0;
    while (got < raw.length) {
      got += inf.inflate(raw, got, raw.length - got);
      if (inf.finished()) {
        break;
      }
    }
    inf.end();
    byte[] out = new byte[stride * height];
    byte[] filters = new byte[height];
    for (int y = 0; y < height; y++) {
      int f = raw[y * (stride + 1)];
      filters[y] = (byte) f;
      for (int i = 0; i < stride; i++) {
        int x = raw[y * (stride + 1) + 1 + i] & 0xFF;
        int a = i >= bpp ? out[y * stride + i - bpp] & 0xFF : 0;
        int b = y > 0 ? out[(y - 1) * stride + i] & 0xFF : 0;
        int c = (i >= bpp && y > 0) ? out[(y - 1) * stride + i - bpp] & 0xFF : 0;
        int pred;
        switch (f) {
          case 0 -> pred = 0;
          case 1 -> pred = a;
          case 2 -> pred = b;
          case 3 -> pred = (a + b) / 2;
          case 4 -> {
            int p = a + b - c;
            int pa = Math.abs(p - a);
            int pb = Math.abs(p - b);
            int pc = Math.abs(p - c);
            pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          }
          default -> throw new IllegalStateException("filter " + f);
        }
        out[y * stride + i] = (byte) (x + pred);
      }
    }
    return new byte[][] {out, filters};
  }
}
