package dev.stepwise.app.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.controlsfx.control.GridView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The gallery view under Monocle: search, select, details, reuse, favourite. */
@ExtendWith(ApplicationExtension.class)
class GalleryPaneTest {
  private static Path dir;
  private static Library lib;
  private GalleryPane pane;
  private final List<Object[]> reused = new CopyOnWriteArrayList<>();

  @Start
  void start(Stage stage) throws Exception {
    dir = Files.createTempDirectory("gallery-pane");
    lib = Library.open(dir);
    for (int i = 0; i < 12; i++) {
      byte[] rgb = new byte[32 * 32 * 3];
      java.util.Arrays.fill(rgb, (byte) (i * 20));
      lib.save(
          32,
          32,
          rgb,
          new Recipe(
              i % 3 == 0 ? "a green frog " + i : "a grey stone " + i,
              "",
              "tiny",
              null,
              "euler_a",
              false,
              8,
              4,
              0,
              i,
              32,
              32,
              100,
              "Stepwise test",
              Instant.parse("2026-11-27T10:00:00Z").plusSeconds(i),
              Map.of()));
    }
    GalleryViewModel vm = new GalleryViewModel(lib);
    vm.setOnReuse((r, keepSeed) -> reused.add(new Object[] {r, keepSeed}));
    pane = new GalleryPane(vm);
    stage.setScene(new Scene(pane, 1100, 700));
    stage.show();
  }

  @AfterAll
  static void closeLibrary() throws Exception {
    if (lib != null) {
      lib.close();
    }
    if (dir != null) {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private void waitFor(java.util.concurrent.Callable<Boolean> condition) throws Exception {
    WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, condition);
  }

  /** Presses a button or toggle as a click would, without moving the pointer step by step. */
  private static void fire(FxRobot robot, String id) {
    robot.interact(() -> ((javafx.scene.control.ButtonBase) robot.lookup(id).query()).fire());
  }

  @Test
  void searchSelectReuseAndFavourite(FxRobot robot) throws Exception {
    @SuppressWarnings("unchecked")
    GridView<dev.stepwise.gallery.LibraryImage> grid =
        robot.lookup("#gallery-grid").queryAs(GridView.class);
    waitFor(() -> grid.getItems().size() == 12);
    robot.interact(
        () ->
            robot
                .lookup("#gallery-search")
                .queryAs(javafx.scene.control.TextField.class)
                .setText("frog"));
    waitFor(() -> grid.getItems().size() == 4);
    waitFor(
        () ->
            robot.lookup(".thumbnail-cell").queryAll().stream()
                .anyMatch(
                    n ->
                        ((ThumbnailCell) n).getItem() != null
                            && ((javafx.scene.image.ImageView) ((ThumbnailCell) n).getGraphic())
                                    .getImage()
                                != null));

    // The grid recycles its cells while thumbnails arrive: look the cell up again if the one found
    // left the scene before the click landed.
    ThumbnailCell clicked = null;
    for (int attempt = 0; attempt < 5 && clicked == null; attempt++) {
      ThumbnailCell c =
          robot.lookup(".thumbnail-cell").queryAll().stream()
              .map(n -> (ThumbnailCell) n)
              .filter(x -> x.getItem() != null && x.getScene() != null)
              .filter(x -> x.getItem().recipe().prompt().equals("a green frog 9"))
              .findFirst()
              .orElse(null);
      try {
        if (c != null) {
          robot.clickOn(c);
          clicked = c;
        }
      } catch (RuntimeException detached) {
        // detached between lookup and click: try again
      }
      if (clicked == null) {
        WaitForAsyncUtils.sleep(200, java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }
    assertTrue(clicked != null, "the frog cell could be clicked");
    ThumbnailCell first = clicked;
    TextArea text = robot.lookup("#recipe-text").queryAs(TextArea.class);
    waitFor(() -> text.getText().contains("a green frog 9"));
    assertTrue(text.getText().contains("Seed: 9"), text.getText());
    assertTrue(first.getPseudoClassStates().contains(ThumbnailCell.SELECTED));

    fire(robot, "#reuse-with-seed");
    waitFor(() -> reused.size() == 1);
    Recipe r = (Recipe) reused.get(0)[0];
    assertEquals(9, r.seed());
    assertEquals(true, reused.get(0)[1]);

    // The field sits below the fold of the details' scroll pane: type into it directly.
    javafx.scene.control.TextField addTag =
        robot.lookup("#add-tag").queryAs(javafx.scene.control.TextField.class);
    robot.interact(
        () -> {
          addTag.setText("pond");
          addTag.fireEvent(new javafx.event.ActionEvent());
        });
    waitFor(() -> lib.tags(first.getItem().id()).equals(java.util.List.of("pond")));
    waitFor(() -> robot.lookup(".tag-chip").queryAll().size() == 1);

    fire(robot, "#favourite");
    waitFor(() -> lib.get(first.getItem().id()).favourite());
    waitFor(() -> first.getPseudoClassStates().contains(ThumbnailCell.FAVOURITE));
    fire(robot, "#favourites-only");
    waitFor(() -> grid.getItems().size() == 1);

    fire(robot, "#favourites-only");
    waitFor(() -> grid.getItems().size() == 4);
    Path file = first.getItem().file();
    robot.clickOn(first);
    fire(robot, "#delete");
    waitFor(() -> grid.getItems().size() == 3);
    assertTrue(Files.notExists(file));
    fire(robot, "#undo");
    waitFor(() -> grid.getItems().size() == 4);
    assertTrue(Files.exists(file));
    assertNotNull(
        robot.lookup("#gallery-message").queryAs(javafx.scene.control.Label.class).getText());
  }

  @Test
  void theDetailsNameTheToolAnotherToolsImageCameFrom() {
    Recipe r =
        dev.stepwise.gallery.ImageParameters.read(
                dev.stepwise.metadata.MetadataCorpus.file("comfyui-ksampler.png"))
            .recipe();
    String text =
        RecipeDetails.describe(
            new dev.stepwise.gallery.LibraryImage(
                1, Path.of("x.png"), r, null, Instant.EPOCH, false, 1));
    assertTrue(text.contains("\nRead from ComfyUI, KSampler node Sampler\n"), text);
    Recipe remote =
        Recipe.made(
            dev.stepwise.recipe.Settings.defaults(),
            5,
            64,
            64,
            -1,
            "v1-5",
            "1111111111",
            java.util.Map.of(
                "Model hash", "6ce0161689",
                "Backend", "http://gpu-box:7860",
                "Server parameters", "a cat\nSteps: 20, Seed: 5, Size: 64x64"));
    String shown =
        RecipeDetails.describe(
            new dev.stepwise.gallery.LibraryImage(
                2, Path.of("y.png"), remote, null, Instant.EPOCH, false, 1));
    assertTrue(shown.contains("Model hash: 6ce0161689"), "the server's hash: " + shown);
    assertTrue(shown.contains("\nMade on http://gpu-box:7860\n"), shown);
    assertTrue(
        shown.contains("The server's own parameters:\na cat\nSteps: 20, Seed: 5, Size: 64x64"),
        shown);
  }
}
