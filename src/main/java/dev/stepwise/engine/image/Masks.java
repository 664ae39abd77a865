package dev.stepwise.engine.image;

/**
 * The mask's journey in AUTOMATIC1111's img2img (modules/processing.py
 * StableDiffusionProcessingImg2Img.init), on 8-bit grey pixels ([H, W], 255 = repaint): threshold,
 * blur, the overlay that composites the result back, the latent masks, and the "fill" content.
 */
public final class Masks {
  private Masks() {}

  /** Pillow's RGB to L: {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16} (Convert.c L24). */
  static int luminance(byte[] rgb, int p) {
    int r = rgb[p * 3] & 0xff;
    int g = rgb[p * 3 + 1] & 0xff;
    int b = rgb[p * 3 + 2] & 0xff;
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }

  /** The grey of each pixel of an RGB mask ([H, W, 3] to [H, W]), Pillow's L. */
  public static byte[] grey(byte[] rgb) {
    byte[] out = new byte[rgb.length / 3]; // [H, W]
    for (int p = 0; p < out.length; p++) {
      out[p] = (byte) luminance(rgb, p);
    }
    return out;
  }

  /** create_binary_mask: 255 where the grey is above 128, else 0. */
  public static byte[] binary(byte[] grey) {
    byte[] out = new byte[grey.length]; // [H, W]
    for (int p = 0; p < grey.length; p++) {
      out[p] = (grey[p] & 0xff) > 128 ? (byte) 255 : 0;
    }
    return out;
  }

  /**
   * A1111's mask blur: cv2.GaussianBlur along x, then along y, each with kernel size {@code 2
   * int(2.5 r + 0.5) + 1} and sigma r, reflecting at the borders (BORDER_REFLECT_101), rounded to 8
   * bits after each pass. The kernel is computed in double and each sum rounded half up, where
   * OpenCV uses fixed point: a pixel can differ from cv2's by 1/255. Radius 0 returns a copy.
   */
  public static byte[] blur(byte[] grey, int w, int h, int radius) {
    if (radius <= 0) {
      return grey.clone();
    }
    int half = (int) (2.5 * radius + 0.5);
    double[] k = new double[2 * half + 1];
    double sum = 0;
    for (int i = -half; i <= half; i++) {
      k[i + half] = Math.exp(-(i * (double) i) / (2.0 * radius * radius));
      sum += k[i + half];
    }
    for (int i = 0; i < k.length; i++) {
      k[i] /= sum;
    }
    byte[] tmp = new byte[grey.length]; // [H, W]
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = 0;
        for (int i = -half; i <= half; i++) {
          v += k[i + half] * (grey[y * w + reflect101(x + i, w)] & 0xff);
        }
        tmp[y * w + x] = (byte) Math.min(255, (int) Math.floor(v + 0.5));
      }
    }
    byte[] out = new byte[grey.length]; // [H, W]
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = 0;
        for (int i = -half; i <= half; i++) {
          v += k[i + half] * (tmp[reflect101(y + i, h) * w + x] & 0xff);
        }
        out[y * w + x] = (byte) Math.min(255, (int) Math.floor(v + 0.5));
      }
    }
    return out;
  }

  /** OpenCV's BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba); a side of 1 maps to 0. */
  static int reflect101(int i, int n) {
    if (n == 1) {
      return 0;
    }
    while (i < 0 || i >= n) {
      i = i < 0 ? -i : 2 * n - 2 - i;
    }
    return i;
  }

  /**
   * The overlay's strength per pixel: {@code clip(2 m, 0, 255)} (A1111's mask_for_overlay); the
   * result is {@code (init (255 - o) + generated o) / 255}, so at blur 0 every pixel outside the
   * mask is the init image's.
   */
  public static byte[] overlay(byte[] blurred) {
    byte[] out = new byte[blurred.length]; // [H, W]
    for (int p = 0; p < out.length; p++) {
      out[p] = (byte) Math.min(255, 2 * (blurred[p] & 0xff));
    }
    return out;
  }

  /**
   * The finished image composited over the init image through {@code overlay} (A1111's
   * apply_overlay): {@code round((init (255 - o) + generated o) / 255)} per channel, exact where o
   * is 0 or 255.
   */
  public static byte[] composite(byte[] generated, byte[] init, byte[] overlay) {
    byte[] out = new byte[generated.length]; // [H, W, 3]
    for (int p = 0; p < overlay.length; p++) {
      int o = overlay[p] & 0xff;
      for (int c = 0; c < 3; c++) {
        int i = p * 3 + c;
        if (o == 0) {
          out[i] = init[i];
        } else if (o == 255) {
          out[i] = generated[i];
        } else {
          double v = ((init[i] & 0xff) * (255.0 - o) + (generated[i] & 0xff) * (double) o) / 255;
          out[i] = (byte) Math.round(v);
        }
      }
    }
    return out;
  }

  /**
   * The latent mask of A1111's blending: the blurred mask resized to the latent size with Pillow's
   * default filter (bicubic, antialiased when shrinking), divided by 255 and rounded: 1 where the
   * latent pixel is repainted, 0 where it is kept. [h, w].
   */
  public static float[] latentRepaint(byte[] blurred, int w, int h, int lw, int lh) {
    byte[] small = PilResample.resize(blurred, w, h, 1, lw, lh, PilResample.Filter.BICUBIC);
    float[] out = new float[lw * lh]; // [h, w]
    for (int p = 0; p < out.length; p++) {
      out[p] = Math.rint((small[p] & 0xff) / 255.0) == 1 ? 1f : 0f; // np.around
    }
    return out;
  }

  /**
   * The mask channel of an inpainting UNet: {@code round(m / 255)} at pixel size, then torch's
   * nearest interpolation to the latent size (pixel {@code (floor(y h / lh), floor(x w / lw))}), as
   * A1111's inpainting_image_conditioning and diffusers' prepare_mask_latents. [h, w].
   */
  public static float[] latentNearest(byte[] mask, int w, int h, int lw, int lh) {
    float[] out = new float[lw * lh]; // [h, w]
    for (int y = 0; y < lh; y++) {
      int sy = (int) Math.floor(y * (h / (double) lh));
      for (int x = 0; x < lw; x++) {
        int sx = (int) Math.floor(x * (w / (double) lw));
        out[y * lw + x] = (mask[sy * w + sx] & 0xff) >= 128 ? 1f : 0f;
      }
    }
    return out;
  }

  /**
   * A1111's masking.fill: the masked area painted with the colours around it. The image, with alpha
   * {@code 255 - mask} and premultiplied, is blurred at radius 256, 64, 16 (twice), 4 (four times),
   * 2 (twice) and 0, each blur alpha-composited over the last; outside the mask the last (radius 0)
   * is the image itself. The blur is Pillow's GaussianBlur construction (three extended box blurs a
   * direction, Gwosdek et al. 2011) computed in floating point.
   *
   * @param rgb [H, W, 3]
   * @param mask [H, W], 255 = masked
   * @return [H, W, 3]
   */
  public static byte[] fill(byte[] rgb, byte[] mask, int w, int h) {
    int n = w * h;
    float[] pm = new float[n * 4]; // [4, H, W]: premultiplied r, g, b and alpha, in 0..1
    for (int p = 0; p < n; p++) {
      float a = (255 - (mask[p] & 0xff)) / 255f;
      for (int c = 0; c < 3; c++) {
        pm[c * n + p] = (rgb[p * 3 + c] & 0xff) / 255f * a;
      }
      pm[3 * n + p] = a;
    }
    float[] acc = new float[n * 4]; // [4, H, W]: straight r, g, b and alpha of the composite
    int[][] passes = {{256, 1}, {64, 1}, {16, 2}, {4, 4}, {2, 2}, {0, 1}};
    for (int[] pass : passes) {
      float[] b = BoxBlur.gaussian(pm, 4, w, h, pass[0]); // [4, H, W] premultiplied
      for (int rep = 0; rep < pass[1]; rep++) {
        for (int p = 0; p < n; p++) {
          float sa = b[3 * n + p];
          if (sa <= 0) {
            continue;
          }
          float da = acc[3 * n + p];
          float oa = sa + da * (1 - sa);
          for (int c = 0; c < 3; c++) {
            float sc = b[c * n + p] / sa; // unpremultiplied
            acc[c * n + p] = (sc * sa + acc[c * n + p] * da * (1 - sa)) / oa;
          }
          acc[3 * n + p] = oa;
        }
      }
    }
    byte[] out = new byte[n * 3]; // [H, W, 3]
    for (int p = 0; p < n; p++) {
      for (int c = 0; c < 3; c++) {
        out[p * 3 + c] =
            (mask[p] & 0xff) == 0
                ? rgb[p * 3 + c]
                : (byte) Math.max(0, Math.min(255, Math.round(acc[c * n + p] * 255)));
      }
    }
    return out;
  }
}
