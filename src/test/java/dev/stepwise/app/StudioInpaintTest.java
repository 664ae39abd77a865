package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.MaskModel;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.image.ImageFiles;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.LibraryInputs;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.PictureParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.control.Slider;
import javafx.scene.image.ImageView;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Issue 14 in the studio: paste a picture into the init image area, set the strength, paint a mask
 * stroke with the mouse, inpaint with the tiny pack; the library keeps the recipe's strength, the
 * init image and the mask, and every pixel outside the mask is the input's (mask blur 0). Reuse
 * brings the picture and the mask back from the library's copies.
 */
class StudioInpaintTest extends StudioHarness {
  private static final int SIDE = 64;

  @Start
  void start(Stage s) throws Exception {
    open(s);
  }

  private static RgbImage picture() {
    byte[] rgb = new byte[SIDE * SIDE * 3]; // [H, W, 3]
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        int p = (y * SIDE + x) * 3;
        rgb[p] = (byte) (x * 4);
        rgb[p + 1] = (byte) (y * 4);
        rgb[p + 2] = (byte) ((x + y) % 2 == 0 ? 200 : 40); // fine detail a decoder would lose
      }
    }
    return new RgbImage(SIDE, SIDE, rgb);
  }

  @Test
  void aPaintedMaskInpaintsAndKeepsEveryPixelOutsideIt(FxRobot robot) throws Exception {
    modelRead();
    RgbImage init = picture();
    Path png = Files.createTempFile("stepwise-init", ".png");
    Files.write(png, PngImage.encode(SIDE, SIDE, init.rgb(), Map.of()));
    onFx(
        () -> {
          ClipboardContent c = new ClipboardContent();
          c.putFiles(List.of(png.toFile()));
          Clipboard.getSystemClipboard().setContent(c);
        });
    show(1200, 780);
    robot.clickOn("Init image (img2img, inpainting)"); // the area opens
    robot.clickOn("#initPaste");
    waitFor(() -> vm.initImage().imageProperty().get() != null);
    assertArrayEquals(init.rgb(), fx(() -> vm.initImage().imageProperty().get().rgb()));
    assertEquals(
        List.of(SIDE, SIDE),
        fx(
            () ->
                List.of(
                    vm.controls().widthProperty().get(), vm.controls().heightProperty().get())));

    onFx(
        () -> {
          robot.lookup("#initStrength").queryAs(Slider.class).setValue(0.6);
          robot.lookup("#initBrush").queryAs(Slider.class).setValue(10);
        });
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
    MaskModel mask = fx(() -> vm.initImage().mask());
    int painted = fx(mask::count);
    assertTrue(painted > 200 && painted < SIDE * SIDE / 2, "painted " + painted + " pixels");
    assertTrue(fx(() -> mask.repaints(SIDE / 2, SIDE / 2)));
    assertTrue(fx(() -> !mask.repaints(SIDE / 2, 2)));
    byte[] maskRgb = fx(() -> mask.toRgb().rgb());

    generateAndWait(1);
    Path saved;
    try (Stream<Path> files = Files.list(libraryDir)) {
      saved =
          files.filter(f -> f.getFileName().toString().endsWith(".png")).findFirst().orElseThrow();
    }
    // DDIM, 4 steps at strength 0.6: int(2.4) = 2 steps run, and the timeline holds those two.
    assertEquals(
        List.of(0, 1), fx(() -> parts.timeline().frames().stream().map(f -> f.step()).toList()));
    assertEquals(2, fx(() -> parts.timeline().totalStepsProperty().get()));
    Recipe recipe = ImageParameters.read(saved).recipe();
    assertEquals("0.6", recipe.extras().get(PictureParameters.DENOISING_STRENGTH));
    assertEquals(0.6, recipe.imageSettings().strength());
    assertEquals(LibraryInputs.hash(SIDE, SIDE, init.rgb()), recipe.initImageHash());
    assertEquals(LibraryInputs.hash(SIDE, SIDE, maskRgb), recipe.maskHash());
    Path inputs = libraryDir.resolve(".stepwise").resolve(LibraryInputs.FOLDER);
    assertTrue(Files.isRegularFile(inputs.resolve(recipe.maskHash() + ".png")));
    RgbImage out = ImageFiles.read(saved, "result").rgb();
    int kept = 0;
    int changed = 0;
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        int p = y * SIDE + x;
        if (maskRgb[p * 3] == 0) {
          assertEquals(init.rgbAt(x, y), out.rgbAt(x, y), "outside the mask at " + x + "," + y);
          kept++;
        } else if (init.rgbAt(x, y) != out.rgbAt(x, y)) {
          changed++;
        }
      }
    }
    assertEquals(SIDE * SIDE - painted, kept);
    assertTrue(changed > painted / 2, "the masked area was repainted: " + changed + " changed");

    // Reuse brings the strength, the picture and the mask back from the library's copies.
    onFx(
        () -> {
          vm.initImage().clear();
          vm.initImage().strengthProperty().set(0.2);
        });
    assertNull(fx(() -> vm.initImage().imageProperty().get()));
    onFx(() -> parts.reuse(recipe, true));
    waitFor(() -> vm.initImage().imageProperty().get() != null);
    assertEquals(0.6, fx(() -> vm.initImage().strengthProperty().get()));
    assertArrayEquals(init.rgb(), fx(() -> vm.initImage().imageProperty().get().rgb()));
    assertNotNull(fx(() -> vm.initImage().input().mask()));
    assertArrayEquals(maskRgb, fx(() -> vm.initImage().input().mask().rgb()));

    // "Send to img2img" on the result (its right-click menu) and on the gallery's file.
    onFx(() -> vm.initImage().clear());
    robot.rightClickOn(".result-cell");
    robot.clickOn("Send to img2img (start the next run from it)");
    waitFor(() -> vm.initImage().imageProperty().get() != null);
    assertArrayEquals(out.rgb(), fx(() -> vm.initImage().imageProperty().get().rgb()));
    assertNull(fx(() -> vm.initImage().input().mask()), "a new picture starts unmasked");
    onFx(() -> vm.initImage().clear());
    fx(() -> parts.sendToImg2img(saved)).get(LIMIT_S, java.util.concurrent.TimeUnit.SECONDS);
    assertArrayEquals(out.rgb(), fx(() -> vm.initImage().imageProperty().get().rgb()));
    assertEquals(
        "The next runs start from " + saved.getFileName() + ".",
        fx(vm.status().statusProperty()::get));

    // Strength 0 runs no step: the timeline holds the finished image alone.
    onFx(() -> vm.initImage().strengthProperty().set(0));
    generateAndWait(2);
    assertEquals(
        List.of(0), fx(() -> parts.timeline().frames().stream().map(f -> f.step()).toList()));
    assertEquals(1, fx(() -> parts.timeline().totalStepsProperty().get()));
    Files.deleteIfExists(png);
  }
}
