package dev.stepwise.engine.image;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.recipe.ResizeMode;

/**
 * Brings a picture to the image size with the user's {@link ResizeMode}, as AUTOMATIC1111's
 * modules/images.py {@code resize_image} (modes 0, 1 and 2) with Pillow's Lanczos ({@link
 * PilResample}; the fill bands of mode 2 with Pillow's default, bicubic, as there): the same
 * integer arithmetic for the scaled size and the centring offsets, so an init image lands on the
 * same pixels as there.
 */
public final class Fitting {
  private Fitting() {}

  /** The upscale-only action's resamplers, named as A1111's Extras tab names them. */
  public enum Upscaler {
    /** Pillow's LANCZOS (A1111's UpscalerLanczos). */
    LANCZOS("Lanczos"),
    /** Pillow's NEAREST (A1111's UpscalerNearest): pixel art stays crisp at whole factors. */
    NEAREST("Nearest");

    private final String a1111Name;

    Upscaler(String a1111Name) {
      this.a1111Name = a1111Name;
    }

    /** The name A1111 writes as {@code Postprocess upscaler}. */
    public String a1111Name() {
      return a1111Name;
    }
  }

  /**
   * A plain enlargement, no diffusion (the upscale-only action), as A1111's Extras tab does it
   * (modules/upscaler.py Upscaler.upscale): the upscaler to {@code int(side x scale)}, then, when
   * that is not a multiple of 8, Lanczos to {@code int(side x scale // 8 x 8)}.
   *
   * @throws EngineException when the scale is not between 1 and 4, or the result is under 8 pixels
   */
  public static RgbImage upscale(RgbImage image, double scale, Upscaler upscaler) {
    if (!(scale >= 1 && scale <= 4)) {
      throw new EngineException("The upscale must be between 1 and 4, got " + scale + ".");
    }
    int destW = (int) (Math.floor(image.width() * scale / 8) * 8);
    int destH = (int) (Math.floor(image.height() * scale / 8) * 8);
    if (destW < 8 || destH < 8) {
      throw new EngineException(
          "At "
              + scale
              + " an image of "
              + image.width()
              + "x"
              + image.height()
              + " is under 8 pixels a side; the upscaler rounds down to a multiple of 8.");
    }
    int w = (int) (image.width() * scale);
    int h = (int) (image.height() * scale);
    RgbImage first =
        upscaler == Upscaler.NEAREST
            ? nearest(image, w, h)
            : new RgbImage(w, h, lanczos(image, w, h));
    if (w == destW && h == destH) {
      return first;
    }
    return new RgbImage(destW, destH, lanczos(first, destW, destH));
  }

  private static byte[] lanczos(RgbImage image, int w, int h) {
    return PilResample.resize(
        image.rgb(), image.width(), image.height(), 3, w, h, PilResample.Filter.LANCZOS);
  }

  /**
   * Pillow's NEAREST resize: its scaling transform (src/libImaging/Geometry.c ImagingScaleAffine)
   * starts at half a step, {@code w / outW / 2}, adds the step in double precision per pixel and
   * truncates; rows likewise. Byte-equal to Pillow 9.4 (the accumulated rounding decides ties).
   */
  static RgbImage nearest(RgbImage image, int outW, int outH) {
    int w = image.width();
    int h = image.height();
    int[] columns = positions(w, outW);
    int[] rows = positions(h, outH);
    byte[] in = image.rgb(); // [h, w, 3]
    byte[] out = new byte[outW * outH * 3]; // [outH, outW, 3]
    for (int y = 0; y < outH; y++) {
      for (int x = 0; x < outW; x++) {
        System.arraycopy(in, (rows[y] * w + columns[x]) * 3, out, (y * outW + x) * 3, 3);
      }
    }
    return new RgbImage(outW, outH, out);
  }

  /** The source index of each of {@code outN} positions over {@code n}, as Pillow counts them. */
  private static int[] positions(int n, int outN) {
    double step = (double) n / outN;
    double at = step * 0.5;
    int[] idx = new int[outN];
    for (int i = 0; i < outN; i++) {
      idx[i] = Math.min(n - 1, (int) at);
      at += step;
    }
    return idx;
  }

  /**
   * {@code px} ([h, w, channels]) brought to {@code outW x outH}.
   *
   * @return [outH, outW, channels]
   */
  public static byte[] fit(
      byte[] px, int w, int h, int channels, ResizeMode mode, int outW, int outH) {
    if (mode == ResizeMode.STRETCH) {
      return PilResample.resize(px, w, h, channels, outW, outH, PilResample.Filter.LANCZOS);
    }
    double ratio = outW / (double) outH;
    double srcRatio = w / (double) h;
    int srcW;
    int srcH;
    if (mode == ResizeMode.FILL) { // cover, then crop the centre
      srcW = ratio > srcRatio ? outW : w * outH / h;
      srcH = ratio <= srcRatio ? outH : h * outW / w;
    } else { // FIT: inside, centred, bands filled from the edges
      srcW = ratio < srcRatio ? outW : w * outH / h;
      srcH = ratio >= srcRatio ? outH : h * outW / w;
    }
    srcW = Math.max(1, srcW);
    srcH = Math.max(1, srcH);
    byte[] resized = PilResample.resize(px, w, h, channels, srcW, srcH, PilResample.Filter.LANCZOS);
    byte[] out = new byte[outW * outH * channels]; // [outH, outW, C], black where nothing lands
    int ox = outW / 2 - srcW / 2;
    int oy = outH / 2 - srcH / 2;
    paste(out, outW, outH, channels, resized, srcW, srcH, ox, oy);
    if (mode == ResizeMode.FIT) {
      if (ratio < srcRatio) {
        int band = outH / 2 - srcH / 2;
        if (band > 0) {
          double[] top = {0, 0, outW, 0};
          double[] bottom = {0, srcH, outW, srcH};
          paste(
              out,
              outW,
              outH,
              channels,
              band(resized, srcW, srcH, channels, top, outW, band),
              outW,
              band,
              0,
              0);
          paste(
              out,
              outW,
              outH,
              channels,
              band(resized, srcW, srcH, channels, bottom, outW, band),
              outW,
              band,
              0,
              band + srcH);
        }
      } else if (ratio > srcRatio) {
        int band = outW / 2 - srcW / 2;
        if (band > 0) {
          double[] left = {0, 0, 0, outH};
          double[] right = {srcW, 0, srcW, outH};
          paste(
              out,
              outW,
              outH,
              channels,
              band(resized, srcW, srcH, channels, left, band, outH),
              band,
              outH,
              0,
              0);
          paste(
              out,
              outW,
              outH,
              channels,
              band(resized, srcW, srcH, channels, right, band, outH),
              band,
              outH,
              band + srcW,
              0);
        }
      }
    }
    return out;
  }

  /**
   * {@code resized.resize((bw, bh), box=box)}: the edge rows or columns stretched over a band, with
   * Pillow's default filter (bicubic), since A1111 passes no resample there.
   */
  private static byte[] band(byte[] px, int w, int h, int channels, double[] box, int bw, int bh) {
    return PilResample.resize(px, w, h, channels, box, bw, bh, PilResample.Filter.BICUBIC);
  }

  /** Pillow's paste at (ox, oy), clipped to the target (a negative offset crops). */
  private static void paste(
      byte[] dst, int dw, int dh, int channels, byte[] src, int sw, int sh, int ox, int oy) {
    for (int y = 0; y < sh; y++) {
      int ty = y + oy;
      if (ty < 0 || ty >= dh) {
        continue;
      }
      int x0 = Math.max(0, -ox);
      int x1 = Math.min(sw, dw - ox);
      if (x1 > x0) {
        System.arraycopy(
            src,
            (y * sw + x0) * channels,
            dst,
            (ty * dw + x0 + ox) * channels,
            (x1 - x0) * channels);
      }
    }
  }
}
