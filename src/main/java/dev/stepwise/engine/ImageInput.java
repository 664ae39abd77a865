package dev.stepwise.engine;

import dev.stepwise.recipe.ImageSettings;

/**
 * What a run starts from when it starts from a picture: img2img, inpainting (with a mask) or
 * outpainting (with borders in {@link ImageSettings#outpaint()}).
 *
 * @param image the init image, any size; it is brought to the request's size by {@link
 *     ImageSettings#resize()} (after outpainting grows it)
 * @param mask what to repaint, the init image's size, or null to repaint everything (plain
 *     img2img): white repaints, black keeps (AUTOMATIC1111's convention), grey counts as white
 *     above 128 (Pillow's luminance of the RGB)
 * @param settings strength, resize mode, mask blur, masked content and outpainting borders
 */
public record ImageInput(RgbImage image, RgbImage mask, ImageSettings settings) {

  /** Checks that the pictures are there and that the mask has the image's size. */
  public ImageInput {
    if (image == null) {
      throw new EngineException("An img2img run needs an init image.");
    }
    if (settings == null) {
      throw new EngineException("An img2img run needs its settings (strength and the rest).");
    }
    if (mask != null && (mask.width() != image.width() || mask.height() != image.height())) {
      throw new EngineException(
          "The mask is "
              + mask.width()
              + "x"
              + mask.height()
              + " but the init image is "
              + image.width()
              + "x"
              + image.height()
              + "; give a mask of the init image's size.");
    }
  }

  /** The init image's size once outpainting has grown it: {width, height}. */
  public int[] canvasSize() {
    var o = settings.outpaint();
    return o == null
        ? new int[] {image.width(), image.height()}
        : new int[] {image.width() + o.left() + o.right(), image.height() + o.top() + o.bottom()};
  }

  /** Whether part of the image is kept: a mask, or outpainting's borders. */
  public boolean masked() {
    return mask != null || settings.outpaint() != null;
  }
}
