package dev.stepwise.engine;

import dev.stepwise.engine.image.PilResample;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;

/**
 * The enlargement between the hires fix's two passes, as AUTOMATIC1111's
 * StableDiffusionProcessingTxt2Img.sample_hr_pass (modules/processing.py): latents resized by
 * torch's interpolate for the "Latent" upscalers, or decoded to 8 bits, resized with Pillow's
 * Lanczos and encoded again.
 */
final class HiresFix {
  private HiresFix() {}

  /**
   * The enlarged size: {@code int(side * scale)} as A1111 computes hr_upscale_to_x, rounded down to
   * the autoencoder's multiple {@code f} (A1111 leaves that to the encoder), at least f.
   */
  static int[] size(int width, int height, HiresSettings h, int f) {
    int w = (int) (width * h.scale());
    int hh = (int) (height * h.scale());
    return new int[] {Math.max(f, w - w % f), Math.max(f, hh - hh % f)};
  }

  /** The first pass's latents [1, C, h, w] enlarged to the second pass's [1, C, h2, w2]. */
  static Latents enlarge(DiffusionModel model, Latents first, HiresSettings h, int w2, int h2) {
    int f = model.info().vaeFactor();
    if (h.upscaler().inLatentSpace()) {
      return resizeLatents(first, w2 / f, h2 / f, h.upscaler() == HiresUpscaler.LATENT_NEAREST);
    }
    int w = first.width() * f;
    int hh = first.height() * f;
    float[] px = model.decodeToPixels(first.data(), 1, first.height(), first.width()); // [3, H, W]
    int plane = w * hh;
    byte[] rgb = new byte[plane * 3]; // [H, W, 3]: A1111 truncates, astype(np.uint8)
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        rgb[p * 3 + c] = (byte) (int) (255f * px[c * plane + p]);
      }
    }
    byte[] big = PilResample.resize(rgb, w, hh, 3, w2, h2, PilResample.Filter.LANCZOS);
    float[] z = model.encodeToLatents(PictureStart.signed(big, w2, h2), 1, h2, w2);
    return new Latents(z, 1, first.channels(), h2 / f, w2 / f); // [1, C, h2, w2]
  }

  /**
   * torch.nn.functional.interpolate on [1, C, h, w] to [1, C, lh, lw]: bilinear with align_corners
   * False and no antialias (source {@code (i + 0.5) in / out - 0.5}, clamped at 0), or nearest
   * (source {@code floor(i in / out)}).
   */
  static Latents resizeLatents(Latents l, int lw, int lh, boolean nearest) {
    int c = l.channels();
    int h = l.height();
    int w = l.width();
    float[] in = l.data();
    float[] out = new float[c * lh * lw]; // [1, C, lh, lw]
    float sy = (float) h / lh;
    float sx = (float) w / lw;
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < lh; y++) {
        for (int x = 0; x < lw; x++) {
          float v;
          if (nearest) {
            int yy = Math.min((int) Math.floor(y * sy), h - 1);
            int xx = Math.min((int) Math.floor(x * sx), w - 1);
            v = in[(ch * h + yy) * w + xx];
          } else {
            float fy = Math.max(0f, (y + 0.5f) * sy - 0.5f);
            float fx = Math.max(0f, (x + 0.5f) * sx - 0.5f);
            int y0 = (int) fy;
            int x0 = (int) fx;
            int y1 = Math.min(y0 + 1, h - 1);
            int x1 = Math.min(x0 + 1, w - 1);
            float ly = fy - y0;
            float lx = fx - x0;
            float top = (1 - lx) * in[(ch * h + y0) * w + x0] + lx * in[(ch * h + y0) * w + x1];
            float bot = (1 - lx) * in[(ch * h + y1) * w + x0] + lx * in[(ch * h + y1) * w + x1];
            v = (1 - ly) * top + ly * bot;
          }
          out[(ch * lh + y) * lw + x] = v;
        }
      }
    }
    return new Latents(out, 1, c, lh, lw);
  }
}
