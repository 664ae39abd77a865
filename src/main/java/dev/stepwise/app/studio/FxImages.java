package dev.stepwise.app.studio;

import dev.stepwise.engine.RgbImage;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;

/** Converts engine images to JavaFX images (for thumbnails; the live canvas has its own path). */
public final class FxImages {
  private FxImages() {}

  /** A new JavaFX image holding {@code image}'s pixels. */
  public static WritableImage toFx(RgbImage image) {
    LiveFrame f = LiveFrame.of(image);
    WritableImage out = new WritableImage(f.width(), f.height());
    out.getPixelWriter()
        .setPixels(
            0, 0, f.width(), f.height(), PixelFormat.getIntArgbInstance(), f.argb(), 0, f.width());
    return out;
  }
}
