package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.GenerationSettings;
import dev.stepwise.app.studio.LiveCanvas;
import dev.stepwise.app.studio.ResultsStrip;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * What stays put and what is fresh: controls do not move when the unknown-word warning comes and
 * goes, a first start's seed field says "random" (never 0), the results strip shows the newest
 * image, a new image clears the timeline's old export message, and 1:1 centres the picture.
 */
class SteadyStudioTest extends StudioHarness {
  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  /** A first start's settings (the example prompt, an empty seed field), with 3 steps. */
  @Override
  protected GenerationSettings settings() {
    GenerationSettings d = GenerationSettings.defaults();
    return new GenerationSettings(
        d.prompt(),
        d.negativePrompt(),
        d.guidance(),
        3,
        d.seedText(),
        d.seedLocked(),
        d.sampler(),
        d.karras(),
        d.width(),
        d.height(),
        d.batch(),
        d.modelFolder());
  }

  private static double sceneY(Node n) {
    return n.localToScene(n.getLayoutBounds()).getMinY();
  }

  @Test
  void theControlsStayPutWhenTheUnknownWordWarningComesAndGoes(FxRobot robot) throws Exception {
    modelRead();
    Label warning = robot.lookup("#unknownWords").queryAs(Label.class);
    onFx(() -> vm.controls().promptProperty().set("a red heart"));
    waitFor(() -> !warning.isVisible());
    Node negative = robot.lookup("#negativePrompt").query();
    Node guidance = robot.lookup("#generateSide").query();
    double y = fx(() -> sceneY(negative));
    double g = fx(() -> sceneY(guidance));
    assertFalse(fx(warning::isVisible));
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("a red zebra with a blue giraffe and an orange platypus");
    waitFor(warning::isVisible);
    WaitForAsyncUtils.waitForFxEvents();
    assertTrue(fx(warning::getText).contains("zebra"));
    assertEquals(y, fx(() -> sceneY(negative)), "the negative prompt stays where it was");
    assertEquals(g, fx(() -> sceneY(guidance)));
    assertEquals(
        fx(warning::getText) + " These words carry no meaning for it.",
        fx(() -> warning.getTooltip().getText()),
        "the whole list, when the two lines shorten it");
    onFx(() -> vm.controls().promptProperty().set("a red heart"));
    waitFor(() -> !warning.isVisible());
    WaitForAsyncUtils.waitForFxEvents();
    assertEquals(y, fx(() -> sceneY(negative)));
  }

  @Test
  void aFirstStartSaysRandomInTheSeedFieldAndGenerateShowsTheDrawnSeed(FxRobot robot)
      throws Exception {
    modelRead();
    TextField seed = robot.lookup("#seed").queryAs(TextField.class);
    assertEquals("", fx(seed::getText), "not 0: Generate does not use 0");
    assertEquals("random", seed.getPromptText());
    generateAndWait(1);
    long drawn = fx(() -> vm.seeds().lastSeed());
    assertEquals(Long.toString(drawn), fx(seed::getText));
    assertEquals(drawn, fx(() -> vm.jobs().results().get(0).seed()));
    // Locking an empty field locks a seed drawn there and then.
    onFx(() -> vm.seeds().seedTextProperty().set(""));
    onFx(() -> vm.seeds().seedLockedProperty().set(true));
    String locked = fx(seed::getText);
    assertTrue(locked.matches("\\d+"), locked);
    generateAndWait(2);
    assertEquals(Long.parseLong(locked), fx(() -> vm.jobs().results().get(1).seed()));
  }

  @Test
  void theResultsStripShowsTheNewestImage(FxRobot robot) throws Exception {
    modelRead();
    onFx(
        () -> {
          vm.controls().batchProperty().set(14);
          vm.controls().stepsProperty().set(1);
        });
    generateAndWait(14);
    WaitForAsyncUtils.waitForFxEvents();
    ResultsStrip strip = window.resultsStrip();
    double[] v = fx(() -> new double[] {strip.getHvalue(), strip.getHmax()});
    assertEquals(v[1], v[0], "scrolled to the end");
    Bounds view = fx(() -> strip.localToScene(strip.getLayoutBounds()));
    Node last = fx(() -> strip.lookupAll(".result-cell").stream().reduce((a, b) -> b).get());
    Bounds cell = fx(() -> last.localToScene(last.getLayoutBounds()));
    assertTrue(cell.getMaxX() <= view.getMaxX() + 0.5, cell + " in " + view);
    assertTrue(cell.getMinX() >= view.getMinX() - 0.5, cell + " in " + view);
    Node first = fx(() -> strip.lookupAll(".result-cell").iterator().next());
    assertTrue(
        fx(() -> first.localToScene(first.getLayoutBounds())).getMaxX() < view.getMinX(),
        "14 images do not fit: the oldest scrolled out of view");
  }

  @Test
  void aNewImageClearsTheTimelinesOldExportMessage(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    Path gif = libraryDir.resolve("steps.gif");
    fx(() -> parts.timeline().exportGif(gif)).get(LIMIT_S, TimeUnit.SECONDS);
    waitFor(() -> parts.timeline().statusProperty().get().startsWith("Saved"));
    onFx(() -> vm.controls().stepsProperty().set(60));
    onFx(vm::generate);
    waitFor(() -> parts.timeline().totalStepsProperty().get() == 60);
    assertEquals("", fx(() -> parts.timeline().statusProperty().get()));
    waitFor(() -> vm.jobs().results().size() == 2 && vm.jobs().queue().isEmpty());
  }

  @Test
  void oneToOneCentresThePicture(FxRobot robot) throws Exception {
    modelRead();
    generateAndWait(1);
    LiveCanvas canvas = window.canvas().canvas();
    robot.clickOn("#stepLabel");
    robot.press(KeyCode.CONTROL, KeyCode.DIGIT1).release(KeyCode.DIGIT1, KeyCode.CONTROL);
    WaitForAsyncUtils.waitForFxEvents();
    Thread.sleep(100);
    assertFalse(fx(() -> canvas.fitProperty().get()));
    assertEquals(32.0, fx(() -> canvas.view().getFitWidth()), "one image pixel per screen pixel");
    Bounds area = fx(() -> canvas.localToScene(canvas.getLayoutBounds()));
    Bounds picture = fx(() -> canvas.view().localToScene(canvas.view().getLayoutBounds()));
    assertEquals(32.0, picture.getWidth(), 0.5);
    assertEquals(area.getCenterX(), picture.getCenterX(), 1.5, picture + " in " + area);
    assertEquals(area.getCenterY(), picture.getCenterY(), 1.5, picture + " in " + area);
    assertNotEquals(area.getMinX(), picture.getMinX(), "not pinned to the top-left");
  }
}
