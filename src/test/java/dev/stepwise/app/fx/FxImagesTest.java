package dev.stepwise.app.fx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.app.studio.LiveFrame;
import dev.stepwise.engine.RgbImage;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;

/** The one RgbImage-to-JavaFX conversion under a headless toolkit (Monocle). */
@ExtendWith(ApplicationExtension.class)
class FxImagesTest {

  @Test
  void pixelsReadBackAsOpaqueArgbLikeTheLiveFrames(FxRobot robot) {
    int w = 5;
    int h = 3;
    byte[] rgb = new byte[w * h * 3];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (i * 37 + 11);
    }
    RgbImage image = new RgbImage(w, h, rgb);
    int[] read = new int[w * h];
    robot.interact(
        () -> {
          WritableImage fx = FxImages.toFx(image);
          assertEquals(w, (int) fx.getWidth());
          assertEquals(h, (int) fx.getHeight());
          fx.getPixelReader().getPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), read, 0, w);
        });
    assertArrayEquals(LiveFrame.of(image).argb(), read);
    assertEquals(0xff000000 | image.rgbAt(4, 2), read[2 * w + 4]);
  }
}
