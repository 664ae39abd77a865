package dev.stepwise.metadata;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the text chunks (tEXt, zTXt, iTXt) of an untrusted PNG, chunk by chunk and within bounds.
 *
 * <p>Checks made: the signature; IHDR first with 13 bytes; chunk types of 4 ASCII letters; every
 * chunk length within the file and below 2^31; every CRC (PNG specification section 5.3); IEND
 * present. Bounds: a file over the size limit is refused before it is read; a text chunk over 1 MiB
 * is refused before its data is read; a decompressed text over 1 MiB is refused as soon as the
 * inflater passes that size, so a zip bomb never gets its full size allocated; more than 64 text
 * chunks, 8 MiB of text in all or more than 262,144 chunks of any type are refused, and skipping a
 * chunk reuses one buffer, so a file of millions of empty chunks costs one bounded pass. A keyword
 * seen twice keeps its first place and its last text, as Pillow does. tEXt and zTXt text is
 * Latin-1, or UTF-8 where its bytes are valid UTF-8 and not plain ASCII ({@link #latin1OrUtf8}).
 */
public final class PngText {
  /** File size limit used by {@link #read(Path)}. */
  public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;

  /** Most text bytes, decompressed, that one image may hold in all its text chunks. */
  public static final int MAX_TOTAL_TEXT_BYTES = 8 << 20;

  private PngText() {}

  /** Reads the text chunks of a PNG file no larger than {@link #DEFAULT_MAX_FILE_BYTES}. */
  public static Map<String, String> read(Path file) {
    return read(file, DEFAULT_MAX_FILE_BYTES);
  }

  /**
   * Reads the text chunks of a PNG file, refusing files over {@code maxFileBytes} before reading.
   *
   * @return keyword to text, in file order; unmodifiable
   * @throws MetadataException when the file is missing, too large, not a PNG, damaged, or breaks a
   *     bound
   */
  public static Map<String, String> read(Path file, long maxFileBytes) {
    String name = String.valueOf(file.getFileName());
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new MetadataException("Image file " + file + " does not exist.", e);
    } catch (IOException e) {
      throw new MetadataException("Image file " + file + " cannot be read.", e);
    }
    if (size > maxFileBytes) {
      throw new MetadataException(
          "Image file "
              + name
              + " is "
              + size
              + " bytes; files over "
              + maxFileBytes
              + " bytes are not read.");
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return readFrom(in, size, name);
    } catch (IOException e) {
      throw new MetadataException("Image file " + file + " cannot be read.", e);
    }
  }

  /** Reads the text chunks of a PNG held in memory; see {@link #read(Path, long)}. */
  public static Map<String, String> read(byte[] png) {
    if (png == null) {
      throw new MetadataException("The image data is missing; give the bytes of a PNG file.");
    }
    try {
      return readFrom(new ByteArrayInputStream(png), png.length, "the image data");
    } catch (IOException e) {
      throw new IllegalStateException("The memory stream failed.", e); // cannot happen
    }
  }

  private static Map<String, String> readFrom(InputStream in, long size, String name)
      throws IOException {
    byte[] sig = new byte[8];
    if (in.readNBytes(sig, 0, 8) < 8 || !Arrays.equals(sig, PngChunks.SIGNATURE)) {
      throw new MetadataException(
          "The file " + name + " is not a PNG image; its first bytes are not the PNG signature.");
    }
    long pos = 8;
    Map<String, String> texts = new LinkedHashMap<>();
    int textChunks = 0;
    long textBytes = 0;
    boolean first = true;
    byte[] head = new byte[8];
    byte[] skipBuffer = new byte[1 << 16];
    for (int chunks = 1; ; chunks++) {
      if (chunks > PngChunks.MAX_CHUNKS) {
        throw new MetadataException(
            "The image "
                + name
                + " has more than "
                + PngChunks.MAX_CHUNKS
                + " chunks, which is more than Stepwise reads.");
      }
      if (in.readNBytes(head, 0, 8) < 8) {
        throw damaged(name, "it ends before the IEND chunk");
      }
      pos += 8;
      long length = ByteBuffer.wrap(head, 0, 4).getInt() & 0xFFFF_FFFFL;
      String type = new String(head, 4, 4, StandardCharsets.ISO_8859_1);
      if (!type.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
        throw damaged(name, "a chunk type is not 4 letters");
      }
      if (length > PngChunks.MAX_CHUNK_LENGTH || length + 4 > size - pos) {
        throw damaged(name, "chunk " + type + " runs past the end of the file");
      }
      if (first && (!type.equals("IHDR") || length != 13)) {
        throw damaged(name, "it does not start with a 13-byte IHDR chunk");
      }
      first = false;
      boolean text = type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt");
      if (text) {
        if (++textChunks > PngChunks.MAX_TEXT_CHUNKS) {
          throw new MetadataException(
              "The image "
                  + name
                  + " has more than "
                  + PngChunks.MAX_TEXT_CHUNKS
                  + " text chunks, which is more than Stepwise reads.");
        }
        if (length > PngChunks.MAX_TEXT_CHUNK_BYTES) {
          throw new MetadataException(
              "The image "
                  + name
                  + " has a "
                  + type
                  + " chunk of "
                  + length
                  + " bytes; text chunks over 1 MiB are not read.");
        }
        byte[] data = readFully(in, (int) length, name, type);
        checkCrc(in, type, data, name);
        String[] kv = decode(type, data, name);
        textBytes += kv[1].length();
        if (textBytes > MAX_TOTAL_TEXT_BYTES) {
          throw new MetadataException(
              "The image "
                  + name
                  + " holds more than 8 MiB of text, which is more than Stepwise"
                  + " reads.");
        }
        texts.put(kv[0], kv[1]);
      } else {
        skipChecked(in, length, type, name, skipBuffer);
      }
      pos += length + 4;
      if (type.equals("IEND")) {
        return Collections.unmodifiableMap(texts);
      }
    }
  }

  private static byte[] readFully(InputStream in, int length, String name, String type)
      throws IOException {
    byte[] data = in.readNBytes(length);
    if (data.length < length) {
      throw damaged(name, "it ends in the middle of chunk " + type);
    }
    return data;
  }

  private static void checkCrc(InputStream in, String type, byte[] data, String name)
      throws IOException {
    byte[] stored = in.readNBytes(4);
    if (stored.length < 4) {
      throw damaged(name, "it ends in the middle of chunk " + type);
    }
    if (ByteBuffer.wrap(stored).getInt() != PngChunks.crc(type, data, 0, data.length)) {
      throw damaged(name, "chunk " + type + " fails its CRC check");
    }
  }

  /** Reads past a chunk's data while computing its CRC, in constant memory. */
  private static void skipChecked(InputStream in, long length, String type, String name, byte[] buf)
      throws IOException {
    CRC32 crc = new CRC32();
    crc.update(type.getBytes(StandardCharsets.ISO_8859_1));
    long left = length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw damaged(name, "it ends in the middle of chunk " + type);
      }
      crc.update(buf, 0, n);
      left -= n;
    }
    byte[] stored = in.readNBytes(4);
    if (stored.length < 4) {
      throw damaged(name, "it ends in the middle of chunk " + type);
    }
    if (ByteBuffer.wrap(stored).getInt() != (int) crc.getValue()) {
      throw damaged(name, "chunk " + type + " fails its CRC check");
    }
  }

  /** Returns {keyword, text} of a tEXt, zTXt or iTXt chunk (PNG specification 11.3.3). */
  private static String[] decode(String type, byte[] d, String name) {
    int nul = indexOf(d, 0, Math.min(d.length, PngChunks.MAX_KEYWORD + 1));
    if (nul < 1) {
      throw damaged(name, "a " + type + " chunk has no keyword of 1 to 79 bytes");
    }
    String key = new String(d, 0, nul, StandardCharsets.ISO_8859_1);
    int p = nul + 1;
    switch (type) {
      case "tEXt":
        return new String[] {key, latin1OrUtf8(Arrays.copyOfRange(d, p, d.length))};
      case "zTXt":
        if (p >= d.length || d[p] != 0) {
          throw damaged(name, "zTXt chunk '" + key + "' uses an unknown compression method");
        }
        byte[] z = inflate(d, p + 1, d.length - p - 1, name, key);
        return new String[] {key, latin1OrUtf8(z)};
      default: // iTXt
        if (p + 2 > d.length || (d[p] != 0 && d[p] != 1) || d[p + 1] != 0) {
          throw damaged(name, "iTXt chunk '" + key + "' has a bad compression flag or method");
        }
        boolean compressed = d[p] == 1;
        p += 2;
        int langEnd = indexOf(d, p, d.length);
        int transEnd = langEnd < 0 ? -1 : indexOf(d, langEnd + 1, d.length);
        if (transEnd < 0) {
          throw damaged(name, "iTXt chunk '" + key + "' is missing its language or translation");
        }
        p = transEnd + 1;
        byte[] t =
            compressed
                ? inflate(d, p, d.length - p, name, key)
                : Arrays.copyOfRange(d, p, d.length);
        return new String[] {key, new String(t, StandardCharsets.UTF_8)};
    }
  }

  /**
   * A tEXt or zTXt chunk's text: Latin-1 as the PNG specification says, except bytes that are valid
   * UTF-8 and not plain ASCII, which are UTF-8 (Stability Matrix and others write UTF-8 there;
   * Latin-1 text with accents is almost never valid UTF-8, since an accented letter alone is not).
   */
  static String latin1OrUtf8(byte[] t) {
    for (byte b : t) {
      if (b < 0) {
        return ExifComment.utf8OrLatin1(t);
      }
    }
    return new String(t, StandardCharsets.ISO_8859_1);
  }

  /**
   * Inflates a zlib stream into at most {@link PngChunks#MAX_TEXT_BYTES} bytes, refusing it as soon
   * as it would produce more; memory stays bounded by that cap whatever the stream claims.
   */
  static byte[] inflate(byte[] d, int off, int len, String name, String key) {
    Inflater inf = new Inflater();
    try {
      inf.setInput(d, off, len);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(len * 4 + 64, 1 << 16));
      byte[] buf = new byte[1 << 14];
      while (!inf.finished()) {
        int n = inf.inflate(buf);
        if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
          throw damaged(name, "the compressed text '" + key + "' is cut short");
        }
        if (out.size() + n > PngChunks.MAX_TEXT_BYTES) {
          throw new MetadataException(
              "The compressed text '"
                  + key
                  + "' in "
                  + name
                  + " expands beyond 1 MiB, which is more than Stepwise reads.");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw damaged(name, "the compressed text '" + key + "' is not valid zlib data");
    } finally {
      inf.end();
    }
  }

  private static int indexOf(byte[] d, int from, int to) {
    for (int i = from; i < to; i++) {
      if (d[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  private static MetadataException damaged(String name, String why) {
    return new MetadataException("The PNG image " + name + " is damaged: " + why + ".");
  }
}
