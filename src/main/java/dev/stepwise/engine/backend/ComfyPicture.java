package dev.stepwise.engine.backend;

import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.Fitting;
import dev.stepwise.engine.image.Masks;
import dev.stepwise.engine.image.Outpainting;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * A run's picture prepared for a ComfyUI server as the local engine prepares it ({@code
 * PictureStart}), with the engine's own code: outpainting's grown canvas and mask ({@link
 * Outpainting}), the image and mask brought to the image size with the resize mode, the mask
 * thresholded and blurred at the input's size ({@link Masks#blur}), the "fill" content painted in
 * ({@link Masks#fill}), and the latent mask ({@link Masks#latentRepaint}). The upload is one PNG:
 * RGB the pixels to encode, alpha {@code 255} where a latent pixel is kept and {@code 0} where it
 * is repainted, as 8x8 blocks: ComfyUI's LoadImage gives {@code 1 - alpha} as its MASK, and
 * SetLatentNoiseMask's bilinear shrink to the latent size samples the middle of each block, so the
 * server repaints the latent pixels the local engine repaints. The result comes back unblended and
 * is composited onto the init image through the overlay here ({@link #composite}), as the local
 * engine does.
 */
final class ComfyPicture {
  /** The init image at the image size before any fill: what the result is composited onto. */
  final RgbImage image;

  /** The overlay's strength per pixel ([H, W]), or null without a mask or borders. */
  final byte[] overlay;

  /** The pixels to upload ([H, W, 3]): the image, or with "fill" the masked area filled. */
  final byte[] content;

  /** The upload's alpha ([H, W]), or null for plain img2img (an RGB upload). */
  final byte[] alpha;

  private ComfyPicture(RgbImage image, byte[] overlay, byte[] content, byte[] alpha) {
    this.image = image;
    this.overlay = overlay;
    this.content = content;
    this.alpha = alpha;
  }

  /** {@code in} at {@code w x h}, as the class comment says. */
  static ComfyPicture of(ImageInput in, int w, int h) {
    ImageSettings s = in.settings();
    RgbImage img = in.image();
    RgbImage mask = in.mask();
    if (s.outpaint() != null) {
      Outpainting.Canvas c = Outpainting.extend(img, mask, s.outpaint());
      img = c.image();
      mask = c.mask();
    }
    byte[] rgb = Fitting.fit(img.rgb(), img.width(), img.height(), 3, s.resize(), w, h);
    RgbImage resized = new RgbImage(w, h, rgb); // [H, W, 3]
    if (mask == null) {
      return new ComfyPicture(resized, null, rgb, null);
    }
    byte[] m = Masks.binary(Masks.grey(mask.rgb())); // [h0, w0]
    m = Masks.blur(m, mask.width(), mask.height(), s.maskBlur()); // [h0, w0]
    byte[] blurred = Fitting.fit(m, mask.width(), mask.height(), 1, s.resize(), w, h); // [H, W]
    byte[] content =
        s.maskedContent() == MaskedContent.KEEP ? rgb : Masks.fill(rgb, blurred, w, h); // [H, W, 3]
    int lw = Math.max(1, w / 8);
    int lh = Math.max(1, h / 8);
    float[] repaint = Masks.latentRepaint(blurred, w, h, lw, lh); // [h, w]
    byte[] alpha = new byte[w * h]; // [H, W]
    for (int y = 0; y < h; y++) {
      int ly = Math.min(y / 8, lh - 1);
      for (int x = 0; x < w; x++) {
        int lx = Math.min(x / 8, lw - 1);
        alpha[y * w + x] = repaint[ly * lw + lx] == 0 ? (byte) 255 : 0;
      }
    }
    return new ComfyPicture(resized, Masks.overlay(blurred), content, alpha);
  }

  /** The result composited onto the init image through the overlay; as it is without a mask. */
  RgbImage composite(RgbImage generated) {
    if (overlay == null
        || generated.width() != image.width()
        || generated.height() != image.height()) {
      return generated;
    }
    return new RgbImage(
        generated.width(),
        generated.height(),
        Masks.composite(generated.rgb(), image.rgb(), overlay));
  }

  /** The upload as a PNG: RGB, or RGBA with {@link #alpha}. */
  byte[] png() {
    int w = image.width();
    int h = image.height();
    int type =
        alpha == null
            ? java.awt.image.BufferedImage.TYPE_INT_RGB
            : java.awt.image.BufferedImage.TYPE_INT_ARGB; // straight alpha: RGB kept under 0
    var bi = new java.awt.image.BufferedImage(w, h, type);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int p = y * w + x;
        int i = p * 3;
        int a = alpha == null ? 0xff : alpha[p] & 0xff;
        bi.setRGB(
            x,
            y,
            a << 24
                | (content[i] & 0xff) << 16
                | (content[i + 1] & 0xff) << 8
                | (content[i + 2] & 0xff));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      javax.imageio.ImageIO.write(bi, "png", out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }
}
