package dev.stepwise.metadata;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds the Exif {@code UserComment} (where A1111, Forge, SD.Next, SwarmUI and Civitai put their
 * parameters) and the XMP packet in a JPEG's APP1 segments or a WebP's {@code EXIF} and {@code XMP}
 * chunks. Read-only, and only as far as needed: segment and chunk headers are skipped without
 * reading their data; an Exif block over 1 MiB, more than 10,000 segments or chunks, and IFD
 * offsets outside the block are refused or ignored.
 *
 * <p>The comment's first 8 bytes name its character set (Exif 2.3, table 9): {@code ASCII} (read as
 * UTF-8 when valid, as tools write UTF-8 there), {@code UNICODE} (UTF-16; A1111 writes big-endian
 * in a big-endian file, Civitai big-endian in a little-endian one and SwarmUI little-endian, so the
 * byte order is taken from a byte-order mark or else from which half of each pair is zero),
 * undefined (eight zero bytes: UTF-8). A comment written without the prefix is read as UTF-8.
 */
final class ExifComment {
  /** The key {@link #read} gives the comment under, beside {@link XmpParameters#KEY}. */
  static final String KEY = "exif:UserComment";

  private static final int MAX_BLOCK = 1 << 20;
  private static final int MAX_PARTS = 10_000;
  private static final byte[] EXIF = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] XMP =
      "http://ns.adobe.com/xap/1.0/\0".getBytes(StandardCharsets.ISO_8859_1);

  private ExifComment() {}

  /** Whether {@code head} (a file's first 12 bytes) starts a JPEG or a WebP. */
  static boolean handles(byte[] head) {
    return jpeg(head) || webp(head);
  }

  private static boolean jpeg(byte[] h) {
    return h.length >= 3 && (h[0] & 0xFF) == 0xFF && (h[1] & 0xFF) == 0xD8 && (h[2] & 0xFF) == 0xFF;
  }

  private static boolean webp(byte[] h) {
    return h.length >= 12
        && new String(h, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
        && new String(h, 8, 4, StandardCharsets.ISO_8859_1).equals("WEBP");
  }

  /**
   * The user comment and XMP of a JPEG or WebP file, by {@link #KEY} and {@link XmpParameters#KEY};
   * empty when it has neither.
   */
  static Map<String, String> read(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] head = in.readNBytes(12);
      String name = String.valueOf(file.getFileName());
      if (jpeg(head)) {
        jpeg(in, head, out, name);
      } else if (webp(head)) {
        webp(in, out, name);
      }
    }
    return out;
  }

  private static void jpeg(InputStream in, byte[] head, Map<String, String> out, String name)
      throws IOException {
    InputStream s =
        new java.io.SequenceInputStream(
            new java.io.ByteArrayInputStream(head, 2, head.length - 2), in);
    for (int parts = 0; parts < MAX_PARTS; parts++) {
      int b = s.read();
      if (b != 0xFF) {
        return; // not a marker: entropy-coded data or the end
      }
      int marker;
      do {
        marker = s.read();
      } while (marker == 0xFF);
      if (marker < 0 || marker == 0xD9 || marker == 0xDA) {
        return; // end of image or start of scan: no metadata follows that Stepwise reads
      }
      if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
        continue;
      }
      byte[] len = s.readNBytes(2);
      if (len.length < 2) {
        return;
      }
      int length = ((len[0] & 0xFF) << 8 | (len[1] & 0xFF)) - 2;
      if (length < 0) {
        throw new MetadataException(
            "The JPEG image " + name + " is damaged: a segment is too short.");
      }
      if (marker != 0xE1) {
        s.skipNBytes(length);
        continue;
      }
      byte[] data = s.readNBytes(length);
      if (startsWith(data, EXIF) && !out.containsKey(KEY)) {
        put(out, KEY, userComment(Arrays.copyOfRange(data, EXIF.length, data.length)));
      } else if (startsWith(data, XMP) && !out.containsKey(XmpParameters.KEY)) {
        out.put(
            XmpParameters.KEY,
            new String(data, XMP.length, data.length - XMP.length, StandardCharsets.UTF_8));
      }
    }
  }

  private static void webp(InputStream in, Map<String, String> out, String name)
      throws IOException {
    for (int parts = 0; parts < MAX_PARTS; parts++) {
      byte[] h = in.readNBytes(8);
      if (h.length < 8) {
        return;
      }
      String type = new String(h, 0, 4, StandardCharsets.ISO_8859_1);
      long size = ByteBuffer.wrap(h, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
      long padded = size + (size & 1);
      if (!type.equals("EXIF") && !type.equals("XMP ")) {
        in.skipNBytes(padded);
        continue;
      }
      if (size > MAX_BLOCK) {
        throw new MetadataException(
            "The WebP image "
                + name
                + " has an "
                + type.strip()
                + " chunk of "
                + size
                + " bytes; chunks over 1 MiB are not read.");
      }
      byte[] data = in.readNBytes((int) size);
      in.skipNBytes(padded - size);
      if (type.equals("EXIF") && !out.containsKey(KEY)) {
        int skip = startsWith(data, EXIF) ? EXIF.length : 0;
        put(out, KEY, userComment(Arrays.copyOfRange(data, skip, data.length)));
      } else if (type.equals("XMP ") && !out.containsKey(XmpParameters.KEY)) {
        out.put(XmpParameters.KEY, new String(data, StandardCharsets.UTF_8));
      }
    }
  }

  private static void put(Map<String, String> out, String key, String value) {
    if (value != null && !value.isBlank()) {
      out.put(key, value);
    }
  }

  /**
   * The decoded UserComment (tag 0x9286) of a TIFF block, looked for in the Exif IFD and, as some
   * writers put it there, in IFD0; null when absent.
   */
  static String userComment(byte[] t) {
    if (t.length < 8) {
      return null;
    }
    ByteOrder order;
    if (t[0] == 'I' && t[1] == 'I') {
      order = ByteOrder.LITTLE_ENDIAN;
    } else if (t[0] == 'M' && t[1] == 'M') {
      order = ByteOrder.BIG_ENDIAN;
    } else {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(t).order(order);
    if (b.getShort(2) != 42) {
      return null;
    }
    int ifd0 = b.getInt(4);
    byte[] comment = entry(b, ifd0, 0x9286);
    if (comment == null) {
      byte[] pointer = entry(b, ifd0, 0x8769);
      if (pointer != null && pointer.length == 4) {
        comment = entry(b, ByteBuffer.wrap(pointer).order(order).getInt(), 0x9286);
      }
    }
    return comment == null ? null : decode(comment);
  }

  /** The value bytes of {@code tag} in the IFD at {@code at}, or null (bad offsets included). */
  private static byte[] entry(ByteBuffer b, int at, int tag) {
    if (at < 8 || at > b.limit() - 2) {
      return null;
    }
    int count = b.getShort(at) & 0xFFFF;
    for (int i = 0; i < count; i++) {
      int e = at + 2 + 12 * i;
      if (e + 12 > b.limit()) {
        return null;
      }
      if ((b.getShort(e) & 0xFFFF) != tag) {
        continue;
      }
      int type = b.getShort(e + 2) & 0xFFFF;
      long n = b.getInt(e + 4) & 0xFFFF_FFFFL;
      long size = n * (type == 4 || type == 13 ? 4 : 1);
      if ((type != 1 && type != 2 && type != 4 && type != 7 && type != 13) || size > MAX_BLOCK) {
        return null;
      }
      long off = size <= 4 ? e + 8 : b.getInt(e + 8) & 0xFFFF_FFFFL;
      if (off + size > b.limit()) {
        return null;
      }
      byte[] v = new byte[(int) size];
      b.get((int) off, v);
      return v;
    }
    return null;
  }

  /** Decodes a UserComment by its 8-byte character-set prefix; see the class comment. */
  static String decode(byte[] c) {
    String prefix = c.length >= 8 ? new String(c, 0, 8, StandardCharsets.ISO_8859_1) : "";
    String text;
    if (prefix.equals("UNICODE\0")) {
      text = utf16(Arrays.copyOfRange(c, 8, c.length));
    } else if (prefix.startsWith("JIS\0")) {
      throw new MetadataException(
          "The image's Exif user comment is in the JIS character set, which Stepwise does not"
              + " read.");
    } else if (prefix.equals("ASCII\0\0\0") || prefix.equals("\0\0\0\0\0\0\0\0")) {
      text = utf8OrLatin1(Arrays.copyOfRange(c, 8, c.length));
    } else {
      text = utf8OrLatin1(c);
    }
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '\0') {
      end--;
    }
    return text.substring(0, end);
  }

  private static String utf16(byte[] d) {
    int n = d.length & ~1;
    if (n >= 2 && (d[0] & 0xFF) == 0xFE && (d[1] & 0xFF) == 0xFF) {
      return new String(d, 2, n - 2, StandardCharsets.UTF_16BE);
    }
    if (n >= 2 && (d[0] & 0xFF) == 0xFF && (d[1] & 0xFF) == 0xFE) {
      return new String(d, 2, n - 2, StandardCharsets.UTF_16LE);
    }
    int evenZeros = 0;
    int oddZeros = 0;
    for (int i = 0; i + 1 < n; i += 2) {
      evenZeros += d[i] == 0 ? 1 : 0;
      oddZeros += d[i + 1] == 0 ? 1 : 0;
    }
    Charset cs = evenZeros > oddZeros ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE;
    return new String(d, 0, n, cs);
  }

  /** UTF-8 when the bytes are valid UTF-8, else ISO-8859-1 (every byte one character). */
  static String utf8OrLatin1(byte[] d) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(d)).toString();
    } catch (CharacterCodingException e) {
      return new String(d, StandardCharsets.ISO_8859_1);
    }
  }

  private static boolean startsWith(byte[] d, byte[] prefix) {
    return d.length >= prefix.length
        && Arrays.equals(d, 0, prefix.length, prefix, 0, prefix.length);
  }
}
