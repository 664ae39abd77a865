package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javafx.application.Platform;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** "Compare..." then the guidance preset: two clicks, five cells and the grid in the library. */
@ExtendWith(ApplicationExtension.class)
class CompareWindowTest {
  private static final long LIMIT_S = 120;
  private static SamplingService service;
  private static final ExecutorService IO = Executors.newSingleThreadExecutor();

  @TempDir Path libraryDir;
  private StudioViewModel vm;
  private StudioParts parts;

  @BeforeAll
  static void engine() {
    service = new SamplingService(TestPacks.tinySd());
  }

  @AfterAll
  static void stopEngine() {
    service.close();
    IO.shutdownNow();
  }

  @Start
  void start(Stage stage) {
    vm = new StudioViewModel(Platform::runLater, IO, new Random(1));
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, 3, "0", false, Sampler.DDIM, false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true)));
    vm.attach(service);
    StudioWindow window = new StudioWindow(vm, Theme.LIGHT);
    window.setPopupErrors(false);
    parts = new StudioParts(vm, window, () -> Library.open(libraryDir));
    stage.setScene(window.createScene(1100, 720));
    stage.show();
  }

  @AfterEach
  void closeParts() throws Exception {
    fx(
        () -> {
          parts.close();
          return null;
        });
  }

  private static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(LIMIT_S, TimeUnit.SECONDS);
  }

  private static void waitFor(Callable<Boolean> c) throws Exception {
    WaitForAsyncUtils.waitFor(LIMIT_S, TimeUnit.SECONDS, () -> fx(c));
  }

  @Test
  void theGuidancePaperFigureTakesTwoClicks(FxRobot robot) throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    robot.clickOn("#compare");
    robot.clickOn("#compareGuidancePreset");
    waitFor(
        () -> "Saved the compare grid to the library.".equals(vm.status().statusProperty().get()));
    assertEquals(5, (int) fx(() -> vm.jobs().results().size()));
    ImageView view = robot.lookup("#compareGrid").queryAs(ImageView.class);
    assertNotNull(view.getImage());
    assertEquals(5 * 32.0, view.getImage().getWidth(), "five cells across, no row labels");
    fx(() -> parts.savesDone().get(LIMIT_S, TimeUnit.SECONDS));
    int grids = 0;
    int cells = 0;
    try (Stream<Path> files = Files.list(libraryDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".png")).toList()) {
        String text = PngText.read(f).get("parameters");
        if (text.contains("Script: X/Y/Z plot, X Type: CFG Scale, X Values: \"1,3,5,7.5,10\"")) {
          grids++;
        } else {
          cells++;
        }
      }
    }
    assertEquals(1, grids);
    assertEquals(5, cells);
    assertTrue(fx(() -> vm.status().errorProperty().get()).isEmpty());
  }
}
