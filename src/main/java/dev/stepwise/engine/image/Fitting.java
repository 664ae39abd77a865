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

  /**
   * A plain enlargement, no diffusion (the upscale-only action): Pillow's Lanczos to {@code
   * int(side x scale)}, as A1111's "Lanczos" upscaler (modules/upscaler.py UpscalerLanczos).
   *
   * @throws EngineException when the scale is not between 1 and 4
   */
  public static RgbImage lanczos(RgbImage image, double scale) {
    if (!(scale >= 1 && scale <= 4)) {
      throw new EngineException("The upscale must be between 1 and 4, got " + scale + ".");
    }
    int w = (int) (image.width() * scale);
    int h = (int) (image.height() * scale);
    return new RgbImage(
        w,
        h,
        PilResample.resize(
            image.rgb(), image.width(), image.height(), 3, w, h, PilResample.Filter.LANCZOS));
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
