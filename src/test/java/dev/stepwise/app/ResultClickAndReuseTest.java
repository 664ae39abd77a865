package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.gallery.GalleryViewModel;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.metadata.PngImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * A click on a session result never shows, in the gallery's details, an image the grid hides: the
 * filters are cleared and the studio says so. Reuse and opened parameters take the old picture off
 * the canvas.
 */
class ResultClickAndReuseTest extends StudioHarness {
  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  private GalleryViewModel galleryWith(int images) throws Exception {
    waitFor(
        () ->
            parts.galleryProperty().get() != null
                && parts.galleryProperty().get().images().size() == images);
    return fx(() -> parts.galleryProperty().get());
  }

  @Test
  void clickingAResultTheSearchHidesClearsTheFiltersAndSaysSo(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    GalleryViewModel g = galleryWith(1);
    LibraryImage img = fx(() -> g.images().get(0));
    onFx(window::showGallery);
    robot.clickOn("#gallery-search").write("zebra");
    waitFor(() -> g.images().isEmpty());
    onFx(() -> g.filters().favouritesOnly().set(true));
    onFx(window::showCanvas);

    Node cell = robot.lookup(".result-cell").query();
    robot.clickOn(cell);
    waitFor(() -> g.focused().get() != null);
    assertTrue(fx(window::galleryShown));
    assertEquals(img.id(), fx(() -> g.focused().get().id()));
    assertTrue(
        fx(() -> g.images().stream().anyMatch(i -> i.id() == img.id())),
        "the grid lists the image the details show");
    assertEquals("", robot.lookup("#gallery-search").queryAs(TextField.class).getText());
    assertFalse(fx(() -> g.filters().favouritesOnly().get()), "every filter is cleared");
    String said =
        "The gallery's search and filters were cleared to show the image with seed "
            + img.recipe().seed()
            + ".";
    assertEquals(said, fx(() -> vm.status().statusProperty().get()));
    assertEquals(said, fx(() -> g.message().get()));

    // Nothing hides it: a click selects it and says nothing more.
    onFx(() -> g.message().set(""));
    onFx(window::showCanvas);
    robot.clickOn(".result-cell");
    waitFor(window::galleryShown);
    assertEquals(img.id(), fx(() -> g.focused().get().id()));
    assertEquals("", fx(() -> g.message().get()));
  }

  @Test
  void aGalleryFilterClearedForAResultShowsAllImagesInItsChooser(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    GalleryViewModel g = galleryWith(1);
    @SuppressWarnings("unchecked")
    ComboBox<String> chooser = robot.lookup("#gallery-filter").queryAs(ComboBox.class);
    onFx(() -> chooser.setValue("holiday")); // a gallery the image is not in
    waitFor(() -> g.images().isEmpty());
    onFx(() -> window.resultsStrip().lookup(".result-cell").getOnMouseClicked().handle(null));
    waitFor(() -> g.focused().get() != null);
    assertEquals("All images", fx(chooser::getValue), "the chooser says what is shown");
  }

  @Test
  void reuseAndOpenedParametersTakeTheOldPictureOffTheCanvas(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    GalleryViewModel g = galleryWith(1);
    assertNotNull(fx(() -> window.canvas().canvas().view().getImage()));
    onFx(
        () -> {
          g.select(g.images().get(0), false);
          g.reuse(false);
        });
    assertNull(fx(() -> window.canvas().canvas().view().getImage()), "Reuse empties the canvas");
    assertNull(fx(() -> vm.live().frameProperty().get()));
    assertTrue(robot.lookup("#canvasEmpty").query().isVisible(), "it says what makes a picture");

    generateAndWait(2);
    assertNotNull(fx(() -> window.canvas().canvas().view().getImage()), "the next run draws");
    assertFalse(robot.lookup("#canvasEmpty").query().isVisible());
    Path png = libraryDir.resolve("other.png");
    PngImage.write(
        png,
        2,
        2,
        new byte[12],
        Map.of("parameters", "a moon\nSteps: 3, Sampler: Euler, CFG scale: 4, Seed: 9"));
    parts.openParameters(png).get(LIMIT_S, TimeUnit.SECONDS);
    assertEquals("a moon", fx(() -> vm.controls().promptProperty().get()));
    assertNull(fx(() -> window.canvas().canvas().view().getImage()), "so do opened parameters");
  }
}
