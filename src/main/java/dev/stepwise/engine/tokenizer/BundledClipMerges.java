package dev.stepwise.engine.tokenizer;

import dev.stepwise.engine.ModelPackException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads CLIP's merges bundled as {@code clip-merges.bin.gz} (format and licence in the README.md
 * beside it): four byte planes of the left and right ids of each merge, ids naming entries of the
 * vocabulary CLIP derives from its merges.
 */
final class BundledClipMerges {
  static final String RESOURCE = "clip-merges.bin.gz";
  private static final int MAX_MERGES = 1 << 16;

  private BundledClipMerges() {}

  /** The merges in rank order, as {@code {left, right}} symbol pairs. */
  static List<String[]> read() {
    try (InputStream raw = BundledClipMerges.class.getResourceAsStream(RESOURCE)) {
      if (raw == null) {
        throw new ModelPackException("The bundled CLIP vocabulary " + RESOURCE + " is missing.");
      }
      DataInputStream in = new DataInputStream(new GZIPInputStream(raw));
      byte[] magic = new byte[6];
      in.readFully(magic);
      int n = in.readInt();
      if (!"SWBPE1".equals(new String(magic, java.nio.charset.StandardCharsets.US_ASCII))
          || n <= 0
          || n > MAX_MERGES) {
        throw new ModelPackException("The bundled CLIP vocabulary " + RESOURCE + " is damaged.");
      }
      byte[] planes = new byte[4 * n];
      in.readFully(planes);
      List<String> symbols = new ArrayList<>(512 + n);
      int[] order = ByteUnicode.symbolOrder();
      for (int b : order) {
        symbols.add(String.valueOf(ByteUnicode.charOf(b)));
      }
      for (int b : order) {
        symbols.add(ByteUnicode.charOf(b) + BpeModel.END_OF_WORD);
      }
      List<String[]> merges = new ArrayList<>(n);
      for (int r = 0; r < n; r++) {
        int left = (planes[r] & 0xff) << 8 | (planes[n + r] & 0xff);
        int right = (planes[2 * n + r] & 0xff) << 8 | (planes[3 * n + r] & 0xff);
        if (left >= symbols.size() || right >= symbols.size()) {
          throw new ModelPackException(
              "The bundled CLIP vocabulary " + RESOURCE + " is damaged at merge " + r + ".");
        }
        merges.add(new String[] {symbols.get(left), symbols.get(right)});
        symbols.add(symbols.get(left) + symbols.get(right));
      }
      return merges;
    } catch (IOException e) {
      throw new ModelPackException(
          "The bundled CLIP vocabulary " + RESOURCE + " cannot be read (" + e.getMessage() + ").",
          e);
    }
  }
}
