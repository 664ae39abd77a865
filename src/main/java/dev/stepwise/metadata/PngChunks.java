package dev.stepwise.metadata;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * PNG constants and chunk helpers shared by {@link PngImage} and {@link PngText}.
 *
 * <p>Layout from the PNG specification (W3C PNG, third edition), section 5: an 8-byte signature,
 * then chunks of a 4-byte big-endian length, a 4-byte type, the data and a CRC-32 over type and
 * data. Text chunks are section 11.3.3: tEXt, zTXt and iTXt.
 */
final class PngChunks {
  /** The 8-byte PNG signature. */
  static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  /** Largest chunk data length the specification allows, 2^31 - 1. */
  static final long MAX_CHUNK_LENGTH = 0x7FFF_FFFFL;

  /** Most bytes one text (metadata) chunk may hold, compressed or not. */
  static final int MAX_TEXT_CHUNK_BYTES = 1 << 20;

  /** Most bytes a text may have once decompressed. */
  static final int MAX_TEXT_BYTES = 1 << 20;

  /** Most text chunks one image may carry. */
  static final int MAX_TEXT_CHUNKS = 64;

  /**
   * Most chunks of any type read from one image. A 256 MiB image in libpng's 8 KiB IDAT chunks has
   * 32,768; a crafted file of ten million empty chunks stops here instead of costing a minute on
   * every scan (issue 20, item 8).
   */
  static final int MAX_CHUNKS = 1 << 18;

  /** Longest keyword in bytes. */
  static final int MAX_KEYWORD = 79;

  private PngChunks() {}

  /** Returns the CRC-32 of a chunk's type and data, as stored after the data. */
  static int crc(String type, byte[] data, int off, int len) {
    CRC32 crc = new CRC32();
    crc.update(type.getBytes(StandardCharsets.ISO_8859_1));
    crc.update(data, off, len);
    return (int) crc.getValue();
  }

  /** Returns whether {@code c} is a printable Latin-1 keyword character (32-126, 161-255). */
  static boolean isKeywordChar(char c) {
    return (c >= 32 && c <= 126) || (c >= 161 && c <= 255);
  }

  /**
   * Checks a keyword to be written: 1 to 79 printable Latin-1 characters, no leading, trailing or
   * doubled space (PNG specification 11.3.3.2).
   */
  static void checkKeyword(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_KEYWORD) {
      throw new MetadataException(
          "PNG text keyword '" + key + "' is not allowed; use 1 to 79 characters.");
    }
    for (int i = 0; i < key.length(); i++) {
      if (!isKeywordChar(key.charAt(i))) {
        throw new MetadataException(
            "PNG text keyword '"
                + key
                + "' is not allowed; use printable Latin-1 characters only (no control"
                + " characters or NUL).");
      }
    }
    if (key.startsWith(" ") || key.endsWith(" ") || key.contains("  ")) {
      throw new MetadataException(
          "PNG text keyword '"
              + key
              + "' is not allowed; it may not start or end with a space or hold two in a row.");
    }
  }
}
