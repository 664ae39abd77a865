package dev.stepwise.metadata;

/**
 * PNG row filters and the per-row choice among them.
 *
 * <p>Filter definitions are the PNG specification's section 9.2 (filter types 0-4: None, Sub, Up,
 * Average, Paeth; Paeth predictor per section 9.4); the choice is the minimum sum of absolute
 * differences heuristic from section 12.8. All arithmetic is on unsigned bytes modulo 256.
 */
final class PngFilters {
  private PngFilters() {}

  /**
   * Filters one row with all five filters and returns the candidate whose bytes, read as signed,
   * have the smallest sum of magnitudes; byte 0 of the result is the filter type.
   *
   * @param cur the image bytes; the row starts at {@code curOff}
   * @param prior the bytes of the previous row (all zero for the first row), from {@code priorOff}
   * @param stride bytes per row, width times {@code bpp}
   * @param bpp bytes per pixel
   * @param out five buffers of {@code stride + 1} bytes, reused across rows
   */
  static byte[] filterRow(
      byte[] cur, int curOff, byte[] prior, int priorOff, int stride, int bpp, byte[][] out) {
    byte[] none = out[0];
    byte[] sub = out[1];
    byte[] up = out[2];
    byte[] avg = out[3];
    byte[] paeth = out[4];
    none[0] = 0;
    sub[0] = 1;
    up[0] = 2;
    avg[0] = 3;
    paeth[0] = 4;
    long sNone = 0;
    long sSub = 0;
    long sUp = 0;
    long sAvg = 0;
    long sPaeth = 0;
    for (int i = 0; i < stride; i++) {
      int x = cur[curOff + i] & 0xFF;
      int a = i >= bpp ? cur[curOff + i - bpp] & 0xFF : 0; // left
      int b = prior[priorOff + i] & 0xFF; // above
      int c = i >= bpp ? prior[priorOff + i - bpp] & 0xFF : 0; // upper left
      byte fNone = (byte) x;
      byte fSub = (byte) (x - a);
      byte fUp = (byte) (x - b);
      byte fAvg = (byte) (x - ((a + b) >>> 1));
      byte fPaeth = (byte) (x - paeth(a, b, c));
      none[i + 1] = fNone;
      sub[i + 1] = fSub;
      up[i + 1] = fUp;
      avg[i + 1] = fAvg;
      paeth[i + 1] = fPaeth;
      sNone += Math.abs(fNone);
      sSub += Math.abs(fSub);
      sUp += Math.abs(fUp);
      sAvg += Math.abs(fAvg);
      sPaeth += Math.abs(fPaeth);
    }
    byte[] best = none;
    long bestSum = sNone;
    long[] sums = {sNone, sSub, sUp, sAvg, sPaeth};
    for (int f = 1; f < 5; f++) {
      if (sums[f] < bestSum) {
        bestSum = sums[f];
        best = out[f];
      }
    }
    return best;
  }

  /**
   * The Paeth predictor: whichever of left, above, upper-left is closest to left + above -
   * upper-left.
   */
  static int paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = Math.abs(p - a);
    int pb = Math.abs(p - b);
    int pc = Math.abs(p - c);
    if (pa <= pb && pa <= pc) {
      return a;
    }
    return pb <= pc ? b : c;
  }
}
