package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.ImageInput;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.metadata.PngImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.control.Button;
import javafx.scene.control.ColorPicker;
import javafx.scene.control.Slider;
import javafx.scene.control.ToggleButton;
import javafx.scene.image.ImageView;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.paint.Color;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Issue 14's sketch in the studio: Ctrl+V on the init image area pastes a picture, the sketch brush
 * paints in the chosen colour on the picture itself (shown, and carried by the request as its init
 * image) and paints no mask.
 */
class StudioSketchTest extends StudioHarness {
  private static final int SIDE = 64;

  @Start
  void start(Stage s) throws Exception {
    open(s);
  }

  @Test
  void ctrlVPastesAndTheSketchBrushPaintsThePicture(FxRobot robot) throws Exception {
    byte[] grey = new byte[SIDE * SIDE * 3]; // [H, W, 3]
    java.util.Arrays.fill(grey, (byte) 128);
    Path png = Files.createTempFile("stepwise-sketch", ".png");
    Files.write(png, PngImage.encode(SIDE, SIDE, grey, Map.of()));
    onFx(
        () -> {
          ClipboardContent c = new ClipboardContent();
          c.putFiles(List.of(png.toFile()));
          Clipboard.getSystemClipboard().setContent(c);
        });
    show(1200, 780);
    robot.clickOn("Init image (img2img, inpainting)");
    robot.clickOn("#initCanvas");
    robot.press(KeyCode.CONTROL).press(KeyCode.V).release(KeyCode.V).release(KeyCode.CONTROL);
    waitFor(() -> vm.initImage().imageProperty().get() != null);
    assertEquals(SIDE, fx(() -> vm.initImage().imageProperty().get().width()));

    onFx(
        () -> {
          robot.lookup("#initBrush").queryAs(Slider.class).setValue(8);
          robot
              .lookup("#initSketchColor")
              .queryAs(ColorPicker.class)
              .setValue(Color.rgb(200, 0, 0));
        });
    onFx(() -> robot.lookup("#initSketch").queryAs(ToggleButton.class).fire());
    assertTrue(fx(() -> vm.initImage().brush().sketchingProperty().get()));
    ImageView shown =
        fx(
            () ->
                (ImageView)
                    robot.lookup("#initCanvas").queryParent().getChildrenUnmodifiable().stream()
                        .filter(n -> n instanceof ImageView v && v.getImage() != null)
                        .findFirst()
                        .orElseThrow());
    Bounds b = fx(() -> shown.localToScreen(shown.getBoundsInLocal()));
    double midY = b.getMinY() + b.getHeight() / 2;
    robot
        .drag(new Point2D(b.getMinX() + b.getWidth() * 0.25, midY), MouseButton.PRIMARY)
        .dropTo(new Point2D(b.getMinX() + b.getWidth() * 0.75, midY));
    ImageInput in = fx(() -> vm.initImage().input());
    assertNotNull(in);
    assertNull(in.mask(), "the sketch paints no mask");
    RgbImage sent = in.image();
    assertEquals(0xc80000, sent.rgbAt(SIDE / 2, SIDE / 2), "the request carries the sketch");
    assertEquals(0x808080, sent.rgbAt(SIDE / 2, 2));
    assertEquals(
        0x808080, fx(() -> vm.initImage().imageProperty().get().rgbAt(SIDE / 2, SIDE / 2)));
    int painted = 0;
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        painted += sent.rgbAt(x, y) == 0xc80000 ? 1 : 0;
      }
    }
    assertTrue(painted > 150 && painted < SIDE * SIDE / 4, "painted " + painted + " pixels");
    int onScreen =
        fx(() -> shown.getImage().getPixelReader().getArgb(SIDE / 2, SIDE / 2)) & 0xffffff;
    assertEquals(0xc80000, onScreen, "the view shows the sketch");
    onFx(() -> robot.lookup("#initUndo").queryAs(Button.class).fire());
    assertEquals(0x808080, fx(() -> vm.initImage().input().image().rgbAt(SIDE / 2, SIDE / 2)));
    Files.deleteIfExists(png);
  }
}
