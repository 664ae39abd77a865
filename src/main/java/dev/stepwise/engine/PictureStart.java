package dev.stepwise.engine;

import dev.stepwise.engine.image.Fitting;
import dev.stepwise.engine.image.Masks;
import dev.stepwise.engine.image.Outpainting;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;

/**
 * A request's picture prepared once for all its images, as AUTOMATIC1111's
 * StableDiffusionProcessingImg2Img.init (modules/processing.py) prepares it: outpainting's canvas,
 * the init image and mask brought to the image size with the resize mode, the mask thresholded and
 * blurred (at the input's size, before resizing), the overlay that composites the result back, the
 * latent mask, the "fill" content, and the init latents: the autoencoder's posterior mean times
 * scaling_factor, so the seed's noise is the only randomness. For an inpainting UNet also its extra
 * input channels: the mask and the masked image's latents.
 */
final class PictureStart {
  /** The init image at the image size, before any fill: what the result is composited onto. */
  final RgbImage image;

  /** The overlay's strength per pixel ([H, W]; {@link Masks#overlay}), or null without a mask. */
  final byte[] overlay;

  /** 1 where a latent pixel is repainted, 0 where kept ([h, w]), or null without a mask. */
  final float[] repaint;

  /** The init latents [1, C, h, w] in the sampler's units, or null (no init image). */
  final Latents x0;

  /** What the masked area starts from. */
  final MaskedContent content;

  /** An inpainting UNet's extra input [1, C + 1, h, w] (mask, masked-image latents), or null. */
  final float[] conditioning;

  /** Which steps run, or null (no init image: the whole schedule from noise). */
  final StrengthSchedule plan;

  private PictureStart(
      RgbImage image,
      byte[] overlay,
      float[] repaint,
      Latents x0,
      MaskedContent content,
      float[] conditioning,
      StrengthSchedule plan) {
    this.image = image;
    this.overlay = overlay;
    this.repaint = repaint;
    this.x0 = x0;
    this.content = content;
    this.conditioning = conditioning;
    this.plan = plan;
  }

  /**
   * What {@code r} (already resolved to its size) starts from; null for text to image with an
   * ordinary model.
   */
  static PictureStart prepare(DiffusionModel model, GenerationRequest r) {
    int w = r.settings().width();
    int h = r.settings().height();
    ImageInput in = r.input();
    if (in == null) {
      if (!model.isInpainting()) {
        return null;
      }
      // A1111's txt2img_image_conditioning for inpainting models: everything masked, the masked
      // image grey (0 in [-1, 1]).
      float[] cond = conditioning(model, new float[3 * w * h], ones(w, h), w, h);
      return new PictureStart(null, null, null, null, MaskedContent.KEEP, cond, null);
    }
    ImageSettings s = in.settings();
    RgbImage img = in.image();
    RgbImage mask = in.mask();
    if (s.outpaint() != null) {
      Outpainting.Canvas c = Outpainting.extend(img, mask, s.outpaint());
      img = c.image();
      mask = c.mask();
    }
    RgbImage resized =
        new RgbImage(
            w,
            h,
            Fitting.fit(img.rgb(), img.width(), img.height(), 3, s.resize(), w, h)); // [H, W, 3]
    int f = model.info().vaeFactor();
    byte[] overlay = null;
    byte[] blurred = null;
    float[] repaint = null;
    byte[] content = resized.rgb();
    if (mask != null) {
      byte[] m = Masks.binary(Masks.grey(mask.rgb())); // [h0, w0], create_binary_mask
      m = Masks.blur(m, mask.width(), mask.height(), s.maskBlur()); // [h0, w0]
      blurred = Fitting.fit(m, mask.width(), mask.height(), 1, s.resize(), w, h); // [H, W]
      overlay = Masks.overlay(blurred);
      repaint = Masks.latentRepaint(blurred, w, h, w / f, h / f); // [h, w]
      if (s.maskedContent() != MaskedContent.KEEP) {
        content = Masks.fill(resized.rgb(), blurred, w, h); // A1111: inpainting_fill != 1
      }
    }
    float[] pixels = signed(content, w, h); // [1, 3, H, W] in [-1, 1]
    int c = model.latentChannels();
    Latents x0 =
        new Latents(model.encodeToLatents(pixels, 1, h, w), 1, c, h / f, w / f); // [1, C, h, w]
    float[] cond = null;
    if (model.isInpainting()) {
      byte[] round = new byte[w * h]; // [H, W]: round(m / 255) as 0 or 255
      if (blurred == null) {
        java.util.Arrays.fill(round, (byte) 255);
      } else {
        for (int p = 0; p < round.length; p++) {
          round[p] = (blurred[p] & 0xff) >= 128 ? (byte) 255 : 0;
        }
      }
      int plane = w * h;
      float[] masked = pixels.clone(); // [1, 3, H, W]: the image times (1 - mask)
      for (int k = 0; k < masked.length; k++) {
        if (round[k % plane] != 0) {
          masked[k] = 0f;
        }
      }
      cond = conditioning(model, masked, round, w, h);
    }
    StrengthSchedule plan =
        StrengthSchedule.img2img(r.settings().sampler(), r.settings().steps(), s.strength());
    return new PictureStart(resized, overlay, repaint, x0, s.maskedContent(), cond, plan);
  }

  /**
   * The latents the run starts from for an image whose seed noise is {@code noise}: the init
   * latents, with A1111's "latent noise" content in the repainted area (create_random_tensors with
   * the image's seed, the same draw as the initial noise).
   */
  Latents startLatents(Latents noise) {
    if (repaint == null || content != MaskedContent.NOISE) {
      return x0;
    }
    float[] a = x0.data();
    float[] z = noise.data();
    float[] out = new float[a.length]; // [1, C, h, w]
    int plane = x0.height() * x0.width();
    for (int k = 0; k < a.length; k++) {
      out[k] = repaint[k % plane] == 0 ? a[k] : z[k];
    }
    return x0.withData(out);
  }

  /**
   * A1111's final blend of an ordinary model's result, {@code samples * nmask + init_latent *
   * mask}: the kept latents are the init latents exactly.
   */
  Latents blendFinal(Latents samples, Latents start) {
    if (repaint == null) {
      return samples;
    }
    float[] s = samples.data();
    float[] a = start.data();
    float[] out = new float[s.length]; // [1, C, h, w]
    int plane = samples.height() * samples.width();
    for (int k = 0; k < s.length; k++) {
      out[k] = repaint[k % plane] == 0 ? a[k] : s[k];
    }
    return samples.withData(out);
  }

  /** The decoded result composited onto the init image through the overlay (A1111's overlay). */
  RgbImage composite(RgbImage generated) {
    if (overlay == null) {
      return generated;
    }
    return new RgbImage(
        generated.width(),
        generated.height(),
        Masks.composite(generated.rgb(), image.rgb(), overlay));
  }

  /**
   * An inpainting UNet's extra channels [1, C + 1, h, w]: the mask at latent size (torch's nearest
   * interpolation of the rounded mask) and the latents of the masked image, concatenated in that
   * order after the noisy latents (diffusers' StableDiffusionInpaintPipeline, A1111's c_concat).
   *
   * @param masked [1, 3, H, W] in [-1, 1], zero where repainted
   * @param mask [H, W], 255 where repainted
   */
  static float[] conditioning(DiffusionModel model, float[] masked, byte[] mask, int w, int h) {
    int f = model.info().vaeFactor();
    int lw = w / f;
    int lh = h / f;
    float[] m = Masks.latentNearest(mask, w, h, lw, lh); // [h, w]
    float[] z = model.encodeToLatents(masked, 1, h, w); // [1, C, h, w]
    float[] out = new float[m.length + z.length]; // [1, C + 1, h, w]
    System.arraycopy(m, 0, out, 0, m.length);
    System.arraycopy(z, 0, out, m.length, z.length);
    return out;
  }

  /** A mask repainting everything, [H, W]. */
  static byte[] ones(int w, int h) {
    byte[] m = new byte[w * h];
    java.util.Arrays.fill(m, (byte) 255);
    return m;
  }

  /**
   * RGB bytes [H, W, 3] as [1, 3, H, W] floats in [-1, 1]: {@code (v / 255) * 2 - 1} in float32, as
   * A1111 (images_tensor_to_samples) and diffusers' VaeImageProcessor compute it.
   */
  static float[] signed(byte[] rgb, int w, int h) {
    int plane = w * h;
    float[] out = new float[3 * plane]; // [1, 3, H, W]
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        out[c * plane + p] = (rgb[p * 3 + c] & 0xff) / 255f * 2f - 1f;
      }
    }
    return out;
  }
}
