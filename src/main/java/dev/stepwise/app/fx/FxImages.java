package dev.stepwise.app.fx;

import dev.stepwise.engine.RgbImage;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

/**
 * The one conversion from engine images to JavaFX images, shared by every view that shows an {@link
 * RgbImage} as an {@code Image} (studio results, timeline filmstrip, explain view). The live canvas
 * has its own path (packed ARGB into a {@code PixelBuffer}).
 *
 * <p>Pixel-format convention: the source is the engine's 8-bit RGB, three bytes per pixel, rows top
 * to bottom ({@link RgbImage#rgb()}, width * 3 bytes per row); it is written in one bulk copy with
 * {@link PixelFormat#getByteRgbInstance()}. The result is fully opaque: reading a pixel back as int
 * ARGB gives {@code 0xFF000000 | r << 16 | g << 8 | b}, the same packing as the studio's live
 * frames.
 */
public final class FxImages {
  private FxImages() {}

  /** A new opaque JavaFX image holding {@code image}'s pixels, in one bulk copy. */
  public static WritableImage toFx(RgbImage image) {
    WritableImage out = new WritableImage(image.width(), image.height());
    out.getPixelWriter()
        .setPixels(
            0,
            0,
            image.width(),
            image.height(),
            PixelFormat.getByteRgbInstance(),
            image.rgb(),
            0,
            image.width() * 3);
    return out;
  }
}
