package dev.stepwise.recipe;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The PNG parameters of a run that starts from a picture or uses the hires fix: the keys
 * AUTOMATIC1111 writes (modules/processing.py create_infotext and StableDiffusionProcessingImg2Img
 * .init: {@code Denoising strength}, {@code Mask blur} only above 0, {@code Masked content} only
 * for fill and latent noise; StableDiffusionProcessingTxt2Img: {@code Hires upscale}, {@code Hires
 * steps} only when set, {@code Hires upscaler}), plus Stepwise's own {@code Resize mode} (A1111's
 * label), {@code Outpaint} and the library copies of the pictures ({@code Init image}, {@code Mask
 * image}: the first 16 hex digits of the SHA-256 of the pixels, the name of the PNG the library
 * keeps). Reading them back accepts A1111's spellings.
 */
public final class PictureParameters {
  private PictureParameters() {}

  /** A1111's key for the strength of img2img and of the hires fix's second pass. */
  public static final String DENOISING_STRENGTH = "Denoising strength";

  /** A1111's key for the mask's blur in pixels (written only above 0). */
  public static final String MASK_BLUR = "Mask blur";

  /** A1111's key for what the masked area starts from (not written for "original"). */
  public static final String MASKED_CONTENT = "Masked content";

  /** How an init image of another shape was resized (A1111's labels, Stepwise's key). */
  public static final String RESIZE_MODE = "Resize mode";

  /** Outpainting borders, {@code left,top,right,bottom} (Stepwise's key). */
  public static final String OUTPAINT = "Outpaint";

  /** The library copy of the init image (Stepwise's key; see the class comment). */
  public static final String INIT_IMAGE = "Init image";

  /** The library copy of the mask (Stepwise's key). */
  public static final String MASK_IMAGE = "Mask image";

  /** A1111's key for the hires fix's enlargement. */
  public static final String HIRES_UPSCALE = "Hires upscale";

  /** A1111's key for the hires fix's second-pass steps (written only when not 0). */
  public static final String HIRES_STEPS = "Hires steps";

  /** A1111's key for the hires fix's upscaler name. */
  public static final String HIRES_UPSCALER = "Hires upscaler";

  /** The keys of a run from a picture, in A1111's order; the mask keys only when masked. */
  public static Map<String, String> of(ImageSettings s, boolean masked) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(DENOISING_STRENGTH, number(s.strength()));
    if (masked && s.maskBlur() > 0) {
      out.put(MASK_BLUR, Integer.toString(s.maskBlur()));
    }
    if (masked && s.maskedContent() != MaskedContent.KEEP) {
      out.put(MASKED_CONTENT, s.maskedContent().a1111Name());
    }
    out.put(RESIZE_MODE, s.resize().a1111Name());
    if (s.outpaint() != null) {
      out.put(OUTPAINT, s.outpaint().text());
    }
    return out;
  }

  /** The keys of a hires fix, in A1111's order. */
  public static Map<String, String> of(HiresSettings h) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(DENOISING_STRENGTH, number(h.strength()));
    out.put(HIRES_UPSCALE, number(h.scale()));
    if (h.steps() > 0) {
      out.put(HIRES_STEPS, Integer.toString(h.steps()));
    }
    out.put(HIRES_UPSCALER, h.upscaler().a1111Name());
    return out;
  }

  /**
   * The img2img choices recorded in {@code extras}, or null when there are none ({@code Denoising
   * strength} missing, or it belongs to a hires fix). Values Stepwise cannot use (an unknown masked
   * content, a blur over the limit) read as the defaults; a strength outside [0, 1] is clamped into
   * it.
   */
  public static ImageSettings imageSettings(Map<String, String> extras) {
    if (extras.containsKey(HIRES_UPSCALE) || extras.containsKey("Hires resize")) {
      return null;
    }
    double strength = parse(extras.get(DENOISING_STRENGTH));
    if (Double.isNaN(strength)) {
      return null;
    }
    double blur = parse(extras.get(MASK_BLUR));
    int maskBlur =
        Double.isNaN(blur) ? 0 : (int) Math.max(0, Math.min(ImageSettings.MAX_MASK_BLUR, blur));
    Outpaint outpaint = null;
    if (extras.containsKey(OUTPAINT)) {
      try {
        outpaint = Outpaint.parse(extras.get(OUTPAINT));
      } catch (RecipeException e) {
        outpaint = null;
      }
    }
    return new ImageSettings(
        Math.max(0, Math.min(1, strength)),
        ResizeMode.parse(extras.get(RESIZE_MODE)),
        maskBlur,
        MaskedContent.parse(extras.get(MASKED_CONTENT)),
        outpaint);
  }

  /**
   * The hires fix recorded in {@code extras}, or null when there is none or its upscale cannot be
   * read. An upscaler Stepwise does not have (ESRGAN and the like) reads as Lanczos, the pixel
   * upscaler; values outside the limits are clamped into them.
   */
  public static HiresSettings hires(Map<String, String> extras) {
    double scale = parse(extras.get(HIRES_UPSCALE));
    if (Double.isNaN(scale)) {
      return null;
    }
    double steps = parse(extras.get(HIRES_STEPS));
    double strength = parse(extras.get(DENOISING_STRENGTH));
    String name = extras.get(HIRES_UPSCALER);
    HiresUpscaler upscaler = HiresUpscaler.parse(name);
    if (upscaler == null && name != null) {
      upscaler = name.startsWith("Latent") ? HiresUpscaler.LATENT : HiresUpscaler.LANCZOS;
    }
    return new HiresSettings(
        Math.max(HiresSettings.MIN_SCALE, Math.min(HiresSettings.MAX_SCALE, scale)),
        Double.isNaN(steps) ? 0 : (int) Math.max(0, Math.min(Settings.MAX_STEPS, steps)),
        Double.isNaN(strength)
            ? HiresSettings.DEFAULT_STRENGTH
            : Math.max(0, Math.min(1, strength)),
        upscaler);
  }

  /**
   * A number as Python's {@code str(float)} writes it for the values these keys hold: {@code 0.75},
   * {@code 2.0}.
   */
  public static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return (long) v + ".0";
    }
    return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

  private static double parse(String v) {
    if (v == null) {
      return Double.NaN;
    }
    try {
      double d = Double.parseDouble(v.strip());
      return Double.isFinite(d) ? d : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
