package dev.stepwise.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2/CLIP's reversible byte-to-character table ({@code bytes_to_unicode} in transformers
 * models/clip/tokenization_clip.py): every byte value gets one visible character so that BPE can
 * work on text without whitespace or control characters.
 *
 * <p>The 188 bytes that are printable Latin-1 ({@code '!'..'~'}, {@code '¡'..'¬'}, {@code
 * '®'..'ÿ'}) map to themselves; the other 68 bytes, in increasing order, map to U+0100, U+0101, and
 * so on. {@link #symbolOrder()} gives the bytes in table order, which is also the order of the
 * first 256 ids of CLIP's vocabulary.
 */
final class ByteUnicode {
  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];
  private static final int[] ORDER = new int[256];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int n = 0;
    boolean[] printable = new boolean[256];
    for (int b = 0; b < 256; b++) {
      printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }
    for (int b = 0; b < 256; b++) {
      if (printable[b]) {
        BYTE_TO_CHAR[b] = (char) b;
        ORDER[n++] = b;
      }
    }
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      if (!printable[b]) {
        BYTE_TO_CHAR[b] = (char) (256 + extra++);
        ORDER[n++] = b;
      }
    }
    for (int b = 0; b < 256; b++) {
      CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
    }
  }

  private ByteUnicode() {}

  /** The character standing for byte {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte a table character stands for, or -1 when {@code c} is not in the table. */
  static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /** The 256 byte values in table order (a fresh copy). */
  static int[] symbolOrder() {
    return ORDER.clone();
  }

  /** Maps each UTF-8 byte of {@code text} to its table character. */
  static String encode(byte[] utf8) {
    char[] out = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
    }
    return new String(out);
  }

  /**
   * Decodes a string of table characters back to text, or returns null when it holds a character
   * outside the table or the bytes are not complete UTF-8.
   */
  static String decode(String symbols) {
    byte[] bytes = new byte[symbols.length()];
    for (int i = 0; i < bytes.length; i++) {
      int b = byteOf(symbols.charAt(i));
      if (b < 0) {
        return null;
      }
      bytes[i] = (byte) b;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
