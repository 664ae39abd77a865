package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.settings.Theme;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.recipe.Sampler;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.control.Spinner;
import javafx.scene.control.TitledPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The variation expander and a result's "Vary" menu item, on Monocle with the tiny pack. */
@ExtendWith(ApplicationExtension.class)
class VaryWindowTest {
  private static final long LIMIT_S = 120;
  private static SamplingService service;
  private static final ExecutorService IO = Executors.newSingleThreadExecutor();
  private StudioViewModel vm;

  @BeforeAll
  static void engine() {
    service = new SamplingService(TestPacks.tinySd());
  }

  @AfterAll
  static void close() {
    service.close();
    IO.shutdownNow();
  }

  @Start
  void start(Stage stage) {
    vm = new StudioViewModel(Platform::runLater, IO, new Random(1));
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, 3, "42", true, Sampler.DDIM, false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true)));
    vm.attach(service);
    StudioWindow window = new StudioWindow(vm, Theme.LIGHT);
    window.setPopupErrors(false);
    stage.setScene(window.createScene(1100, 720));
    stage.show();
  }

  private static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(LIMIT_S, TimeUnit.SECONDS);
  }

  private static void waitFor(Callable<Boolean> c) throws Exception {
    WaitForAsyncUtils.waitFor(LIMIT_S, TimeUnit.SECONDS, () -> fx(c));
  }

  @Test
  void theExpanderOpensForAVariationAndVaryQueuesFourNeighbours(FxRobot robot) throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    TitledPane pane = robot.lookup("#variationPane").queryAs(TitledPane.class);
    assertFalse(pane.isExpanded(), "collapsed while the strength is 0");
    fx(
        () -> {
          vm.variation().strengthProperty().set(0.25);
          return null;
        });
    assertTrue(pane.isExpanded(), "a variation in the controls shows itself");
    @SuppressWarnings("unchecked")
    Spinner<Double> spin = robot.lookup("#variationStrength").queryAs(Spinner.class);
    assertEquals(0.25, spin.getValue());
    fx(
        () -> {
          vm.variation().strengthProperty().set(0);
          return null;
        });
    robot.clickOn("#generate");
    waitFor(() -> vm.jobs().results().size() == 1);
    robot.rightClickOn(".result-cell");
    robot.clickOn("Vary: 4 neighbours (same seed, variation seeds)");
    waitFor(() -> vm.jobs().results().size() == 5);
    List<ResultItem> results = fx(() -> List.copyOf(vm.jobs().results()));
    for (ResultItem n : results.subList(1, 5)) {
      assertEquals(results.get(0).seed(), n.seed());
      assertEquals(VariationViewModel.VARY_STRENGTH, n.request().settings().variationStrength());
    }
    assertEquals(5, robot.lookup(".result-cell").queryAll().size());
  }
}
