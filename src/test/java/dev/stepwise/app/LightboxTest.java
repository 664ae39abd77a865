package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.fx.FxImages;
import dev.stepwise.app.lightbox.LightboxWindow;
import dev.stepwise.engine.RgbImage;
import javafx.event.Event;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelReader;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The lightbox on Monocle: a result opens large, the arrow keys step, 2x zoom is nearest-neighbour
 * (every screen pixel of a 2x2 block is the source pixel), Escape closes; F opens the newest
 * result; the gallery's "View large" steps through the gallery's images, read from their files.
 */
class LightboxTest extends StudioHarness {
  @Start
  void start(Stage s) throws Exception {
    open(s);
  }

  private static int argb(RgbImage img, int x, int y) {
    int i = (y * img.width() + x) * 3;
    byte[] p = img.rgb();
    return 0xFF000000 | (p[i] & 0xFF) << 16 | (p[i + 1] & 0xFF) << 8 | (p[i + 2] & 0xFF);
  }

  /** How many pixels of {@code shown} differ from {@code img}; -1 when the sizes differ. */
  private static int differing(Image shown, RgbImage img) {
    if (shown.getWidth() != img.width() || shown.getHeight() != img.height()) {
      return -1;
    }
    PixelReader r = shown.getPixelReader();
    int n = 0;
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        n += r.getArgb(x, y) == argb(img, x, y) ? 0 : 1;
      }
    }
    return n;
  }

  @Test
  void stepsZoomsNearestNeighbourAndCloses(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    onFx(() -> vm.seeds().seedTextProperty().set("7"));
    generateAndWait(2);
    RgbImage first = fx(() -> vm.jobs().results().get(0).image());
    RgbImage second = fx(() -> vm.jobs().results().get(1).image());
    assertNotEquals(0, differing(FxImages.toFx(second), first), "two different pictures");

    // The live canvas fits the 32 px picture by a whole number, as blocks of equal pixels; the
    // Pixels toggle off gives the smooth fill back.
    ImageView canvas = fx(() -> window.canvas().canvas().view());
    double k = fx(canvas::getFitWidth) / 32;
    assertTrue(k >= 2 && k == Math.rint(k), "fit " + k);
    assertFalse(fx(canvas::isSmooth));
    Image blocks = fx(canvas::getImage);
    assertEquals(32 * k, blocks.getWidth(), "the canvas's image holds the blocks");
    int uneven = 0;
    for (int y = 0; y < blocks.getHeight(); y++) {
      for (int x = 0; x < blocks.getWidth(); x++) {
        int corner = blocks.getPixelReader().getArgb(x - x % (int) k, y - y % (int) k);
        uneven += blocks.getPixelReader().getArgb(x, y) == corner ? 0 : 1;
      }
    }
    assertEquals(0, uneven);
    robot.clickOn("#zoomPixels");
    assertEquals(32.0, fx(() -> canvas.getImage().getWidth()));
    assertTrue(fx(canvas::isSmooth));
    assertNotEquals(32 * k, fx(canvas::getFitWidth), "smooth scaling fills the area");
    robot.clickOn("#zoomPixels");

    robot
        .rightClickOn(robot.lookup(".result-cell").nth(0).queryAs(Node.class))
        .clickOn("View large (double-click)");
    waitFor(() -> parts.lightbox() != null && parts.lightbox().stage().isShowing());
    LightboxWindow box = parts.lightbox();
    ImageView view = robot.lookup("#lightboxImage").queryAs(ImageView.class);
    assertEquals("1 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());
    assertEquals(0, fx(() -> differing(box.picture(), first)), "the double-clicked result");
    long seed0 = fx(() -> vm.jobs().results().get(0).seed());
    long seed1 = fx(() -> vm.jobs().results().get(1).seed());
    assertTrue(
        robot
            .lookup("#lightboxRecipe")
            .queryAs(Label.class)
            .getText()
            .startsWith("seed " + seed0 + " · 4 steps · ddim · scale 5 · 32×32 · a red heart"),
        "the recipe line");

    robot.type(KeyCode.RIGHT);
    assertEquals("2 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());
    assertEquals(0, fx(() -> differing(box.picture(), second)), "Right shows the next result");
    assertTrue(
        robot
            .lookup("#lightboxRecipe")
            .queryAs(Label.class)
            .getText()
            .startsWith("seed " + seed1 + " ·"));
    robot.type(KeyCode.RIGHT); // the last stays
    assertEquals("2 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());

    robot.type(KeyCode.DIGIT1);
    assertEquals(1.0, fx(box::shownScale), "1 is 1:1");
    robot.clickOn("#lightboxZoomIn");
    WaitForAsyncUtils.waitForFxEvents();
    assertEquals(2.0, fx(box::shownScale));
    assertEquals("200%", robot.lookup("#lightboxZoom").queryAs(Label.class).getText());
    assertFalse(fx(view::isSmooth), "enlarged: nearest-neighbour");
    Image shot = fx(() -> view.snapshot(null, null));
    assertEquals(2 * second.width(), (int) shot.getWidth());
    PixelReader r = shot.getPixelReader();
    int wrong = 0;
    int blended = 0;
    for (int y = 0; y < second.height(); y++) {
      for (int x = 0; x < second.width(); x++) {
        int want = argb(second, x, y);
        for (int d = 0; d < 4; d++) {
          wrong += r.getArgb(2 * x + d % 2, 2 * y + d / 2) == want ? 0 : 1;
        }
        blended += x > 0 && argb(second, x - 1, y) != want ? 1 : 0;
      }
    }
    assertTrue(blended > 100, "neighbours differ, so smooth scaling would show: " + blended);
    assertEquals(0, wrong, "every pixel of each 2x2 block is the source pixel");
    robot.type(KeyCode.MINUS);
    assertEquals(1.0, fx(box::shownScale), "- zooms out a step");
    robot.type(KeyCode.DIGIT0);
    assertTrue(fx(box::shownScale) >= 2, "Fit enlarges a 32 px picture by a whole number");
    assertEquals(fx(box::shownScale), Math.rint(fx(box::shownScale)));

    robot.type(KeyCode.ESCAPE);
    waitFor(() -> !box.stage().isShowing());

    // In a text field F and Space are typed; elsewhere F opens the newest result.
    robot.clickOn("#prompt").type(KeyCode.END).type(KeyCode.F).type(KeyCode.SPACE);
    assertTrue(fx(() -> vm.controls().promptProperty().get()).endsWith("f "));
    assertFalse(fx(() -> box.stage().isShowing()));
    assertTrue(fx(() -> parts.lightbox() == box), "no lightbox from typing");
    robot.clickOn("#stepLabel");
    onFx(window::showCanvas);
    robot.type(KeyCode.F);
    waitFor(() -> parts.lightbox() != box && parts.lightbox().stage().isShowing());
    assertEquals("2 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());
    robot.type(KeyCode.ESCAPE);
    waitFor(() -> !parts.lightbox().stage().isShowing());

    // A double-click on a result (one event with a click count of 2: a robot's two clicks are
    // timed by a loaded machine) opens that result.
    LightboxWindow before = parts.lightbox();
    Node cell = robot.lookup(".result-cell").nth(0).queryAs(Node.class);
    onFx(
        () ->
            Event.fireEvent(
                cell,
                new MouseEvent(
                    MouseEvent.MOUSE_CLICKED,
                    5,
                    5,
                    5,
                    5,
                    MouseButton.PRIMARY,
                    2,
                    false,
                    false,
                    false,
                    false,
                    true,
                    false,
                    false,
                    true,
                    false,
                    true,
                    null)));
    waitFor(() -> parts.lightbox() != before && parts.lightbox().stage().isShowing());
    assertEquals("1 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());
    robot.type(KeyCode.ESCAPE);
    waitFor(() -> !parts.lightbox().stage().isShowing());

    // The gallery: a click on a result focuses it there, "View large" steps through the gallery's
    // images (newest first), each read from its PNG file.
    robot.clickOn(robot.lookup(".result-cell").nth(0).queryAs(Node.class));
    waitFor(() -> window.galleryShown() && robot.lookup("#view-large").tryQuery().isPresent());
    robot.clickOn("#view-large");
    waitFor(() -> parts.lightbox().stage().isShowing() && parts.lightbox() != box);
    assertEquals("2 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());
    LightboxWindow fromFile = parts.lightbox();
    waitFor(() -> fromFile.picture().getProgress() >= 1);
    assertEquals(0, fx(() -> differing(fromFile.picture(), first)), "the first result's PNG");
    robot.type(KeyCode.LEFT);
    waitFor(() -> fromFile.picture().getProgress() >= 1);
    assertEquals("1 of 2", robot.lookup("#lightboxCounter").queryAs(Label.class).getText());
    assertEquals(0, fx(() -> differing(fromFile.picture(), second)), "the newest is first");
    robot.type(KeyCode.ESCAPE);
    waitFor(() -> !parts.lightbox().stage().isShowing());
  }
}
