package dev.stepwise.metadata;

import dev.stepwise.files.AtomicWrite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

/**
 * Encodes 8-bit RGB or RGBA pixels as a PNG with text chunks, and writes it atomically.
 *
 * <p>Each row gets the filter (PNG specification section 9: None, Sub, Up, Average, Paeth) whose
 * filtered bytes, read as signed, have the smallest sum of magnitudes: the heuristic the
 * specification's section 12.8 recommends and libpng uses. Filtered rows go through one zlib
 * stream, cut into IDAT chunks of at most 64 KiB. A text whose characters are all Latin-1 goes into
 * a tEXt chunk (zTXt when compressing); any other text into an iTXt chunk in UTF-8, as Pillow does.
 * Text chunks come before the image data, so readers find them early.
 */
public final class PngImage {
  /** Largest width or height accepted. */
  public static final int MAX_SIDE = 16384;

  private static final int IDAT_BYTES = 1 << 16;

  private PngImage() {}

  /** Encodes RGB pixels (row-major, 3 bytes a pixel) with uncompressed text chunks. */
  public static byte[] encode(int width, int height, byte[] rgb, Map<String, String> textChunks) {
    return encode(width, height, 3, rgb, textChunks, false);
  }

  /**
   * Encodes pixels with text chunks.
   *
   * @param channels 3 for RGB or 4 for RGBA; {@code pixels} is row-major, {@code channels} bytes a
   *     pixel
   * @param textChunks keyword to text, written in the map's order
   * @param compressText whether to write zTXt and compressed iTXt instead of tEXt and plain iTXt
   * @throws MetadataException when an argument breaks the rules of {@link #write(Path, int, int,
   *     int, byte[], Map, boolean)}
   */
  public static byte[] encode(
      int width,
      int height,
      int channels,
      byte[] pixels,
      Map<String, String> textChunks,
      boolean compressText) {
    List<byte[]> chunks = prepare(width, height, channels, pixels, textChunks, compressText);
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(Math.min(pixels.length / 2 + 1024, 1 << 26));
    try {
      encodeTo(out, width, height, channels, pixels, chunks);
    } catch (IOException e) {
      throw new IllegalStateException("The memory stream failed.", e); // cannot happen
    }
    return out.toByteArray();
  }

  /** Writes RGB pixels with uncompressed text chunks to {@code file}, atomically. */
  public static void write(
      Path file, int width, int height, byte[] rgb, Map<String, String> textChunks) {
    write(file, width, height, 3, rgb, textChunks, false);
  }

  /**
   * Writes a PNG to {@code file} atomically through {@link AtomicWrite}: the bytes go to a
   * temporary file in the same folder, which is forced to disk and then renamed over {@code file}
   * in one step (replacing a file already there). On any failure the temporary file is removed and
   * {@code file} is left as it was.
   *
   * <p>Rules: width and height 1 to {@value #MAX_SIDE}; channels 3 or 4; {@code pixels.length ==
   * width * height * channels}; at most 64 text chunks; keywords 1 to 79 printable Latin-1
   * characters without leading, trailing or doubled spaces; texts without NUL, at most 1 MiB each
   * once encoded.
   *
   * @throws MetadataException when an argument breaks a rule or the file cannot be written
   */
  public static void write(
      Path file,
      int width,
      int height,
      int channels,
      byte[] pixels,
      Map<String, String> textChunks,
      boolean compressText) {
    if (file == null) {
      throw new MetadataException("The image file path is missing; give a path ending in .png.");
    }
    List<byte[]> chunks = prepare(width, height, channels, pixels, textChunks, compressText);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new MetadataException(
          "Cannot save the image to " + target + " because its folder does not exist.");
    }
    try {
      AtomicWrite.write(target, out -> encodeTo(out, width, height, channels, pixels, chunks));
    } catch (IOException | RuntimeException e) {
      throw new MetadataException(
          "Cannot save the image to "
              + target
              + "; check that the folder is writable and the"
              + " disk has room.",
          e);
    }
  }

  /** Validates everything and builds the text chunks (type + data) before any output is made. */
  private static List<byte[]> prepare(
      int width,
      int height,
      int channels,
      byte[] pixels,
      Map<String, String> textChunks,
      boolean compressText) {
    if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE) {
      throw new MetadataException(
          "Image size "
              + width
              + "x"
              + height
              + " is not allowed; width and height must be 1 to "
              + MAX_SIDE
              + ".");
    }
    if (channels != 3 && channels != 4) {
      throw new MetadataException(
          "Channel count " + channels + " is not allowed; use 3 for RGB or 4 for RGBA.");
    }
    long expected = (long) width * height * channels;
    if (pixels == null || pixels.length != expected) {
      throw new MetadataException(
          "Pixel buffer length "
              + (pixels == null ? "null" : Integer.toString(pixels.length))
              + " does not match "
              + width
              + "x"
              + height
              + "x"
              + channels
              + "; it must be "
              + expected
              + " bytes.");
    }
    if (textChunks == null) {
      throw new MetadataException("The text chunk map is missing; give an empty map for none.");
    }
    if (textChunks.size() > PngChunks.MAX_TEXT_CHUNKS) {
      throw new MetadataException(
          textChunks.size()
              + " text chunks is too many; use at most "
              + PngChunks.MAX_TEXT_CHUNKS
              + ".");
    }
    List<byte[]> chunks = new ArrayList<>();
    for (Map.Entry<String, String> e : textChunks.entrySet()) {
      chunks.add(textChunk(e.getKey(), e.getValue(), compressText));
    }
    return chunks;
  }

  /** Returns a text chunk as its 4 type bytes followed by its data. */
  private static byte[] textChunk(String key, String text, boolean compress) {
    PngChunks.checkKeyword(key);
    if (text == null || text.indexOf('\0') >= 0) {
      throw new MetadataException(
          "The text for PNG keyword '" + key + "' is missing or holds a NUL character.");
    }
    ByteArrayOutputStream data = new ByteArrayOutputStream(text.length() + 96);
    boolean latin1 = text.chars().allMatch(c -> c <= 0xFF);
    String type;
    data.writeBytes(key.getBytes(StandardCharsets.ISO_8859_1));
    data.write(0);
    if (latin1) {
      byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
      checkTextSize(key, bytes.length);
      if (compress) {
        type = "zTXt";
        data.write(0); // compression method 0: zlib deflate
        data.writeBytes(deflate(bytes));
      } else {
        type = "tEXt";
        data.writeBytes(bytes);
      }
    } else {
      byte[] bytes = utf8(key, text);
      checkTextSize(key, bytes.length);
      type = "iTXt";
      data.write(compress ? 1 : 0); // compression flag
      data.write(0); // compression method
      data.write(0); // empty language tag
      data.write(0); // empty translated keyword
      data.writeBytes(compress ? deflate(bytes) : bytes);
    }
    if (data.size() > PngChunks.MAX_TEXT_CHUNK_BYTES) {
      throw new MetadataException(
          "The text for PNG keyword '"
              + key
              + "' is too long; a text chunk may hold at most 1 MiB.");
    }
    ByteArrayOutputStream chunk = new ByteArrayOutputStream(data.size() + 4);
    chunk.writeBytes(type.getBytes(StandardCharsets.ISO_8859_1));
    chunk.writeBytes(data.toByteArray());
    return chunk.toByteArray();
  }

  private static void checkTextSize(String key, int bytes) {
    if (bytes > PngChunks.MAX_TEXT_BYTES) {
      throw new MetadataException(
          "The text for PNG keyword '"
              + key
              + "' is "
              + bytes
              + " bytes; at most 1 MiB is allowed.");
    }
  }

  private static byte[] utf8(String key, String text) {
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(text));
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new MetadataException(
          "The text for PNG keyword '" + key + "' holds a broken character (a lone surrogate).", e);
    }
  }

  private static byte[] deflate(byte[] bytes) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
    try {
      d.setInput(bytes);
      d.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
      byte[] buf = new byte[8192];
      while (!d.finished()) {
        out.write(buf, 0, d.deflate(buf));
      }
      return out.toByteArray();
    } finally {
      d.end();
    }
  }

  private static void encodeTo(
      OutputStream out, int width, int height, int channels, byte[] pixels, List<byte[]> texts)
      throws IOException {
    out.write(PngChunks.SIGNATURE);
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(width).putInt(height);
    ihdr.put((byte) 8); // bit depth
    ihdr.put((byte) (channels == 4 ? 6 : 2)); // colour type: 2 truecolour, 6 truecolour + alpha
    ihdr.put((byte) 0).put((byte) 0).put((byte) 0); // deflate, adaptive filtering, no interlace
    writeChunk(out, "IHDR", ihdr.array(), 0, 13);
    for (byte[] t : texts) {
      writeChunk(out, new String(t, 0, 4, StandardCharsets.ISO_8859_1), t, 4, t.length - 4);
    }
    writeImageData(out, width, height, channels, pixels);
    writeChunk(out, "IEND", new byte[0], 0, 0);
  }

  private static void writeImageData(
      OutputStream out, int width, int height, int channels, byte[] pixels) throws IOException {
    int stride = width * channels;
    byte[][] candidates = new byte[5][stride + 1];
    byte[] zeroRow = new byte[stride];
    byte[] idat = new byte[IDAT_BYTES];
    int used = 0;
    Deflater deflater = new Deflater(6);
    try {
      for (int y = 0; y < height; y++) {
        int row = y * stride;
        byte[] prior = y == 0 ? zeroRow : pixels;
        int priorOff = y == 0 ? 0 : row - stride;
        byte[] best =
            PngFilters.filterRow(pixels, row, prior, priorOff, stride, channels, candidates);
        deflater.setInput(best, 0, stride + 1);
        while (!deflater.needsInput()) {
          used += deflater.deflate(idat, used, idat.length - used);
          if (used == idat.length) {
            writeChunk(out, "IDAT", idat, 0, used);
            used = 0;
          }
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        used += deflater.deflate(idat, used, idat.length - used);
        if (used == idat.length) {
          writeChunk(out, "IDAT", idat, 0, used);
          used = 0;
        }
      }
      if (used > 0) {
        writeChunk(out, "IDAT", idat, 0, used);
      }
    } finally {
      deflater.end();
    }
  }

  private static void writeChunk(OutputStream out, String type, byte[] data, int off, int len)
      throws IOException {
    byte[] head =
        ByteBuffer.allocate(8).putInt(len).put(type.getBytes(StandardCharsets.ISO_8859_1)).array();
    out.write(head);
    out.write(data, off, len);
    out.write(ByteBuffer.allocate(4).putInt(PngChunks.crc(type, data, off, len)).array());
  }
}
