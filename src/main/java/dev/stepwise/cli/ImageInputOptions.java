package dev.stepwise.cli;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryInputs;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.HiresUpscaler;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.MaskedContent;
import dev.stepwise.recipe.Outpaint;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.ResizeMode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code generate}'s options for starting from a picture (img2img, inpainting, outpainting) and for
 * the hires fix; every refused value is one sentence and exit code 2.
 */
final class ImageInputOptions {
  @Option(
      names = "--init-image",
      paramLabel = "FILE",
      description =
          "Start from this picture (PNG or JPEG; transparency is flattened onto white): img2img."
              + " Without --width/--height the image keeps its size, rounded down to the model's"
              + " multiple of 8.")
  Path initImage;

  @Option(
      names = "--strength",
      paramLabel = "S",
      description =
          "Denoising strength, 0 to 1: how much of the schedule re-draws the init image (0 gives"
              + " it back through the autoencoder, 1 starts at the first step). Default 0.75.")
  Double strength;

  @Option(
      names = "--resize",
      paramLabel = "MODE",
      completionCandidates = ResizeModes.class,
      description =
          "How an init image of another shape fits the size: fill (cover and crop the centre, the"
              + " default), fit (inside, edges stretched over the bands) or stretch.")
  String resize;

  @Option(
      names = "--mask",
      paramLabel = "FILE",
      description =
          "Repaint only where this picture is white (its alpha when it has one; grey counts as"
              + " white above 128); the same size as --init-image.")
  Path mask;

  @Option(
      names = "--mask-blur",
      paramLabel = "N",
      description =
          "Blur the mask's edge by N pixels (0 to 64). Default 0: every pixel outside the mask is"
              + " the init image's, exactly.")
  Integer maskBlur;

  @Option(
      names = "--inpaint-fill",
      paramLabel = "WHAT",
      completionCandidates = Fills.class,
      description =
          "What the masked area starts from: keep (the init image, the default), fill (the"
              + " colours around it) or noise (the seed's noise); --outpaint's default is fill.")
  String inpaintFill;

  @Option(
      names = "--outpaint",
      paramLabel = "L,T,R,B",
      description =
          "Grow the canvas by these pixels on the left, top, right and bottom and paint the new"
              + " border (one number for every side).")
  String outpaint;

  @Option(
      names = "--hires-scale",
      paramLabel = "F",
      description =
          "Hires fix: make the image, enlarge it by F (1 to 4) and re-draw it with img2img.")
  Double hiresScale;

  @Option(
      names = "--hires-steps",
      paramLabel = "N",
      description = "The hires pass's steps (default 0: as many as --steps).")
  Integer hiresSteps;

  @Option(
      names = "--hires-strength",
      paramLabel = "S",
      description = "The hires pass's denoising strength, 0 to 1 (default 0.7).")
  Double hiresStrength;

  @Option(
      names = "--hires-upscaler",
      paramLabel = "NAME",
      completionCandidates = Upscalers.class,
      description =
          "How the hires fix enlarges: latent (bilinear on the latents, A1111's \"Latent\", the"
              + " default), latent-nearest or lanczos (on the decoded picture).")
  String hiresUpscaler;

  /** The init image and mask as read, kept for the library once it is open. */
  private RgbImage readImage;

  private RgbImage readMask;

  /**
   * The picture to start from, or null for text to image; reads and checks the files.
   *
   * @throws CliErrors.BadValue for a refused value or an unreadable, damaged or huge file
   */
  ImageInput input() {
    if (initImage == null) {
      for (Object[] o :
          new Object[][] {
            {strength, "--strength"},
            {resize, "--resize"},
            {mask, "--mask"},
            {maskBlur, "--mask-blur"},
            {inpaintFill, "--inpaint-fill"},
            {outpaint, "--outpaint"}
          }) {
        if (o[0] != null) {
          throw new CliErrors.BadValue(o[1] + " needs --init-image.");
        }
      }
      return null;
    }
    double s = strength == null ? ImageSettings.DEFAULT_STRENGTH : strength;
    if (!(s >= 0 && s <= 1)) {
      throw new CliErrors.BadValue("--strength must be between 0 and 1, got " + strength + ".");
    }
    ResizeMode mode = resize == null ? ResizeMode.FILL : ResizeMode.parse(resize);
    if (mode == null) {
      throw new CliErrors.BadValue(
          "--resize must be fit, fill or stretch, got \"" + resize + "\".");
    }
    int blur = maskBlur == null ? 0 : maskBlur;
    if (blur < 0 || blur > ImageSettings.MAX_MASK_BLUR) {
      throw new CliErrors.BadValue(
          "--mask-blur must be between 0 and "
              + ImageSettings.MAX_MASK_BLUR
              + " pixels, got "
              + blur
              + ".");
    }
    Outpaint borders;
    try {
      borders = outpaint == null ? null : Outpaint.parse(outpaint);
    } catch (RecipeException e) {
      throw new CliErrors.BadValue(
          "--outpaint must be four whole numbers left,top,right,bottom (or one for every side)"
              + " from 0 to "
              + Outpaint.MAX
              + ", got \""
              + outpaint
              + "\".");
    }
    MaskedContent content =
        inpaintFill != null
            ? MaskedContent.parse(inpaintFill)
            : borders != null && borders.any() ? MaskedContent.FILL : MaskedContent.KEEP;
    if (content == null) {
      throw new CliErrors.BadValue(
          "--inpaint-fill must be keep, fill or noise, got \"" + inpaintFill + "\".");
    }
    try {
      readImage = ImageFiles.read(initImage, "init image").flattened();
      readMask = mask == null ? null : ImageFiles.read(mask, "mask").maskGrey();
      return new ImageInput(
          readImage, readMask, new ImageSettings(s, mode, blur, content, borders));
    } catch (EngineException | RecipeException e) {
      throw new CliErrors.BadValue(e.getMessage());
    }
  }

  /** The hires fix, or null without --hires-scale. */
  HiresSettings hires() {
    if (hiresScale == null) {
      for (Object[] o :
          new Object[][] {
            {hiresSteps, "--hires-steps"},
            {hiresStrength, "--hires-strength"},
            {hiresUpscaler, "--hires-upscaler"}
          }) {
        if (o[0] != null) {
          throw new CliErrors.BadValue(o[1] + " needs --hires-scale.");
        }
      }
      return null;
    }
    if (initImage != null) {
      throw new CliErrors.BadValue(
          "--hires-scale enlarges a picture made from text; it cannot be combined with"
              + " --init-image.");
    }
    if (!(hiresScale >= HiresSettings.MIN_SCALE && hiresScale <= HiresSettings.MAX_SCALE)) {
      throw new CliErrors.BadValue(
          "--hires-scale must be between 1 and 4, got " + hiresScale + ".");
    }
    double s = hiresStrength == null ? HiresSettings.DEFAULT_STRENGTH : hiresStrength;
    if (!(s >= 0 && s <= 1)) {
      throw new CliErrors.BadValue(
          "--hires-strength must be between 0 and 1, got " + hiresStrength + ".");
    }
    HiresUpscaler u = hiresUpscaler == null ? null : HiresUpscaler.parse(hiresUpscaler);
    if (hiresUpscaler != null && u == null) {
      throw new CliErrors.BadValue(
          "--hires-upscaler must be latent, latent-nearest or lanczos, got \""
              + hiresUpscaler
              + "\".");
    }
    try {
      return new HiresSettings(hiresScale, hiresSteps == null ? 0 : hiresSteps, s, u);
    } catch (RecipeException e) {
      throw new CliErrors.BadValue(e.getMessage());
    }
  }

  /**
   * The recipe keys naming the pictures ({@code Init image}, {@code Mask image}), their copies kept
   * in {@code lib} (when saving into a library); empty without an init image.
   */
  Map<String, String> keep(Library lib) {
    if (readImage == null) {
      return new LinkedHashMap<>();
    }
    return LibraryInputs.keys(
        lib,
        readImage.width(),
        readImage.height(),
        readImage.rgb(),
        readMask == null ? null : readMask.rgb());
  }

  static final class ResizeModes implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return List.of("fill", "fit", "stretch").iterator();
    }
  }

  static final class Fills implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return List.of("keep", "fill", "noise").iterator();
    }
  }

  static final class Upscalers implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return List.of("latent", "latent-nearest", "lanczos").iterator();
    }
  }
}
