package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.settings.Theme;
import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.ModelChoice;
import dev.stepwise.app.studio.StudioViewModel;
import dev.stepwise.app.studio.StudioWindow;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Library;
import dev.stepwise.metadata.PngText;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.TitledPane;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The variation expander, a result's Vary, and Compare's two-click preset, on Monocle. */
@ExtendWith(ApplicationExtension.class)
class CompareWindowTest {
  private static final SamplingService SERVICE = new SamplingService(TestPacks.tinySd());
  @TempDir Path libraryDir;
  private StudioViewModel vm;
  private StudioParts parts;

  @AfterAll
  static void stopEngine() {
    SERVICE.close();
  }

  @Start
  void start(Stage stage) {
    vm =
        new StudioViewModel(Platform::runLater, Executors.newSingleThreadExecutor(), new Random(1));
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, 3, "0", false, Sampler.DDIM, false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true)));
    vm.attach(SERVICE);
    StudioWindow window = new StudioWindow(vm, Theme.LIGHT);
    window.setPopupErrors(false);
    parts = new StudioParts(vm, window, () -> Library.open(libraryDir));
    stage.setScene(window.createScene(1100, 720));
    stage.show();
  }

  private static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(120, TimeUnit.SECONDS);
  }

  private static void waitFor(Callable<Boolean> c) throws Exception {
    WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> fx(c));
  }

  @Test
  void varyAndTheGuidancePaperFigure(FxRobot robot) throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    assertFalse(robot.lookup("#variationPane").queryAs(TitledPane.class).isExpanded());
    robot.clickOn("#generate");
    waitFor(() -> vm.jobs().results().size() == 1);
    robot.rightClickOn(".result-cell").clickOn("Vary: 4 neighbours (same seed, variation seeds)");
    waitFor(() -> vm.jobs().results().size() == 5);
    assertEquals(
        0.2, fx(() -> vm.jobs().results().get(4).request().settings().variationStrength()));
    robot.clickOn("#compare").clickOn("#compareGuidancePreset"); // two clicks
    waitFor(
        () -> "Saved the compare grid to the library.".equals(vm.status().statusProperty().get()));
    assertEquals(
        5 * 32.0, robot.lookup("#compareGrid").queryAs(ImageView.class).getImage().getWidth());
    fx(() -> parts.savesDone().get(60, TimeUnit.SECONDS));
    fx(
        () -> {
          parts.close();
          return null;
        });
    List<Path> pngs;
    try (var files = Files.list(libraryDir)) {
      pngs = files.filter(p -> p.toString().endsWith(".png")).toList();
    }
    assertEquals(11, pngs.size(), "1 + 4 + 5 cells and the grid");
    long grids = 0;
    for (Path p : pngs) {
      grids +=
          PngText.read(p)
                  .get("parameters")
                  .contains("X Type: CFG Scale, X Values: \"1,3,5,7.5,10\"")
              ? 1
              : 0;
    }
    assertEquals(1, grids);
    assertTrue(fx(() -> vm.status().errorProperty().get()).isEmpty());
  }
}
