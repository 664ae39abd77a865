package dev.stepwise.app.timeline;

import dev.stepwise.engine.RgbImage;
import javafx.scene.image.Image;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

/** Converts engine RGB images to JavaFX images. */
public final class FxImages {
  private FxImages() {}

  /** Returns a JavaFX image with the same pixels (one bulk copy, no per-pixel calls). */
  public static Image toFx(RgbImage image) {
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
