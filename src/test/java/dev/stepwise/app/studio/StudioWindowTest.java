package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.TestPacks;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.GridPane;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The studio window on Monocle with the tiny pack: typing, generating, cancelling, queueing. */
class StudioWindowTest extends dev.stepwise.app.StudioHarness {
  private final AtomicInteger stepHooks = new AtomicInteger();

  @Start
  void start(Stage stage) throws Exception {
    open(stage);
    // The canvas's image at the output size: crisp pixels would hold an enlarged copy.
    window.canvas().canvas().pixelsProperty().set(false);
    vm.addStudioListener(
        new StudioListener() {
          @Override
          public void stepPreview(int imageIndex, int step, RgbImage x0) {
            stepHooks.incrementAndGet();
          }
        });
  }

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path temp;

  @Test
  void promptIdeasPutTheChosenOrARandomKnownPromptInPlace(FxRobot robot) throws Exception {
    modelRead();
    assertTrue(robot.lookup("#promptIdeas").queryButton().isDisabled(), "tiny-sd lists none");
    java.nio.file.Path pack =
        TestPacks.tinySdWithPrompts(
            temp.resolve("ideas"), "grinning cat, twemoji style", "red heart, fluent flat style");
    fx(
        () -> {
          vm.model().openModel(pack);
          return null;
        });
    waitFor(
        () ->
            vm.model().factsProperty().get() != null
                && vm.model().factsProperty().get().folder().equals(pack));
    waitFor(() -> !robot.lookup("#promptIdeas").queryButton().isDisabled());
    robot.clickOn("#promptIdeas");
    waitFor(() -> robot.lookup("#ideaList").tryQuery().isPresent());
    assertEquals(2, robot.lookup("#ideaList").queryAs(ListView.class).getItems().size());
    robot.clickOn("#ideaFilter").write("heart");
    waitFor(() -> robot.lookup("#ideaList").queryAs(ListView.class).getItems().size() == 1);
    robot.type(KeyCode.DOWN).type(KeyCode.ENTER);
    waitFor(() -> "red heart, fluent flat style".equals(vm.controls().promptProperty().get()));
    waitFor(() -> robot.lookup("#ideaList").tryQuery().isEmpty());
    robot.clickOn("#surprisePrompt");
    assertTrue(
        List.of("grinning cat, twemoji style", "red heart, fluent flat style")
            .contains(fx(() -> vm.controls().promptProperty().get())));
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.I).release(KeyCode.I, KeyCode.CONTROL);
    waitFor(() -> robot.lookup("#ideaList").tryQuery().isPresent());
    robot.clickOn("#ideaFilter").write("cat").type(KeyCode.DOWN).type(KeyCode.ENTER);
    waitFor(() -> "grinning cat, twemoji style".equals(vm.controls().promptProperty().get()));
  }

  @Test
  void typedPromptGeneratesAndTheCanvasFollowsTheSteps(FxRobot robot) throws Exception {
    modelRead();
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("a blue cat");
    assertEquals("a blue cat", fx(() -> vm.controls().promptProperty().get()));
    // Enough steps that the canvas has time to draw several: the tiny pack's steps take a few
    // milliseconds, and the UI draws the newest frame of each drain.
    int steps = 16;
    fx(
        () -> {
          vm.controls().stepsProperty().set(steps);
          return null;
        });
    robot.clickOn("#generate");
    waitFor(() -> vm.jobs().results().size() == 1);
    assertEquals(steps, stepHooks.get(), "every step reaches the hooks");
    long frames = fx(() -> window.canvas().canvas().framesShown());
    assertTrue(frames >= 3, "the canvas was redrawn on several steps, got " + frames);
    assertNotNull(fx(() -> window.canvas().canvas().view().getImage()));
    assertEquals(
        32.0,
        fx(() -> window.canvas().canvas().view().getImage().getWidth()),
        "the finished image replaces the previews");
    assertEquals("Done", robot.lookup("#stepLabel").queryAs(Label.class).getText());
    assertEquals(1, robot.lookup(".result-cell").queryAll().size());
  }

  @Test
  void everyStepReachesTheCanvasAsAPictureAtTheOutputSize(FxRobot robot) throws Exception {
    modelRead();
    List<String> sizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> hookSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    fx(
        () -> {
          vm.controls().stepsProperty().set(6);
          vm.live()
              .frameProperty()
              .addListener((o, a, f) -> sizes.add(f.width() + "x" + f.height()));
          window
              .canvas()
              .canvas()
              .view()
              .imageProperty()
              .addListener(
                  (o, a, img) -> sizes.add((int) img.getWidth() + "x" + (int) img.getHeight()));
          vm.addStudioListener(
              new StudioListener() {
                @Override
                public void stepPreview(int imageIndex, int step, RgbImage frame) {
                  hookSizes.add(frame.width() + "x" + frame.height());
                }
              });
          return null;
        });
    robot.clickOn("#generate");
    waitFor(() -> vm.jobs().results().size() == 1);
    assertEquals(
        List.of("32x32", "32x32", "32x32", "32x32", "32x32", "32x32"),
        hookSizes,
        "every step's picture has the output size, not the latent size (8x8)");
    assertFalse(sizes.isEmpty());
    assertTrue(sizes.stream().allMatch("32x32"::equals), sizes.toString());
    robot.clickOn("#stepLabel");
    robot.press(KeyCode.CONTROL, KeyCode.DIGIT1).release(KeyCode.DIGIT1, KeyCode.CONTROL);
    assertEquals(
        32.0,
        fx(() -> window.canvas().canvas().view().getFitWidth()),
        "1:1 shows one image pixel per screen pixel");
    robot.press(KeyCode.CONTROL, KeyCode.DIGIT0).release(KeyCode.DIGIT0, KeyCode.CONTROL);
  }

  @Test
  void thePreviewMethodReachesTheRequestIsRememberedAndItsCostIsShown(FxRobot robot)
      throws Exception {
    modelRead();
    @SuppressWarnings("unchecked")
    ComboBox<PreviewMethod> method = robot.lookup("#previewMethod").queryAs(ComboBox.class);
    assertEquals(PreviewMethod.AUTO, fx(method::getValue), "Auto by default");
    assertEquals(List.of(PreviewMethod.values()), fx(() -> List.copyOf(method.getItems())));
    assertNotNull(method.getTooltip());
    assertTrue(robot.lookup("#previewDecoderButton").tryQuery().isPresent());
    Label cost = robot.lookup("#previewCost").queryAs(Label.class);
    assertEquals("", cost.getText(), "nothing measured before a run");
    robot.interact(() -> method.setValue(PreviewMethod.FULL));
    assertEquals(PreviewMethod.FULL, fx(() -> vm.controls().previewMethodProperty().get()));
    QueueEntry job = fx(vm::generate);
    assertEquals(PreviewMethod.FULL, job.job().request().previewMethod());
    waitFor(() -> vm.jobs().results().size() == 1);
    WaitForAsyncUtils.waitForFxEvents();
    assertTrue(
        cost.getText().matches("preview: full decode, (\\d+%|under 1%) of each step"),
        cost.getText());
    assertEquals(PreviewMethod.FULL, fx(() -> vm.settings().previewMethod()), "remembered");
    robot.interact(() -> method.setValue(PreviewMethod.OFF));
    fx(vm::generate);
    waitFor(() -> vm.jobs().results().size() == 2);
    WaitForAsyncUtils.waitForFxEvents();
    assertEquals("preview: off", cost.getText());
    assertEquals(
        32.0,
        fx(() -> window.canvas().canvas().view().getImage().getWidth()),
        "without previews the finished image is shown");
  }

  @Test
  void ctrlEnterGeneratesAndEscapeCancelsLeavingTheAppReady(FxRobot robot) throws Exception {
    modelRead();
    fx(
        () -> {
          vm.controls().stepsProperty().set(200);
          return null;
        });
    robot.clickOn("#prompt");
    robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
    waitFor(() -> vm.progress().stepsDoneProperty().get() >= 2);
    assertFalse(robot.lookup("#cancel").queryAs(Button.class).isDisabled());
    // Monocle gives key focus to the newest popup (a tooltip under the mouse would take the Esc):
    // click a spot without a tooltip first.
    robot.clickOn("#stepLabel");
    robot.press(KeyCode.ESCAPE).release(KeyCode.ESCAPE);
    waitFor(() -> !vm.jobs().runningProperty().get() && vm.jobs().queue().isEmpty());
    String step = fx(() -> vm.progress().stepTextProperty().get());
    assertTrue(step.startsWith("Cancelled at step "), step);
    assertTrue(fx(() -> vm.progress().stepsDoneProperty().get()) < 200);
    assertTrue(robot.lookup("#cancel").queryAs(Button.class).isDisabled());
    assertTrue(fx(() -> vm.jobs().results().isEmpty()));
    fx(
        () -> {
          vm.controls().stepsProperty().set(2);
          return null;
        });
    robot.clickOn("#generate");
    waitFor(() -> vm.jobs().results().size() == 1);
  }

  @Test
  void generateDuringARunQueuesAndTheQueueIsShown(FxRobot robot) throws Exception {
    modelRead();
    fx(
        () -> {
          vm.controls()
              .stepsProperty()
              .set(60); // long enough to still run when the second click lands
          return null;
        });
    robot.clickOn("#generate");
    fx(
        () -> {
          vm.controls().stepsProperty().set(2);
          return null;
        });
    robot.clickOn("#generate");
    @SuppressWarnings("unchecked")
    ListView<Object> queue = robot.lookup("#queue").queryAs(ListView.class);
    assertEquals(2, fx(() -> queue.getItems().size()));
    waitFor(() -> vm.jobs().results().size() == 2 && vm.jobs().queue().isEmpty());
    assertEquals(
        List.of(60, 2),
        fx(() -> vm.jobs().results().stream().map(r -> r.request().settings().steps()).toList()),
        "jobs run in the order they were queued");
  }

  @Test
  void unknownWordsAreListedUnderThePrompt(FxRobot robot) throws Exception {
    modelRead();
    Label warning = robot.lookup("#unknownWords").queryAs(Label.class);
    assertFalse(warning.isVisible());
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("a red zebra");
    // the words are checked off the FX thread after each keystroke ("zebr" first), then shown
    waitFor(() -> fx(() -> warning.isVisible() && warning.getText().contains("zebra")));
    assertTrue(warning.isVisible());
    assertTrue(warning.getText().contains("zebra"), warning.getText());
  }

  @Test
  void f1ListsEveryShortcutAndBadInputIsOneSentence(FxRobot robot) throws Exception {
    modelRead();
    robot.press(KeyCode.F1).release(KeyCode.F1);
    WaitForAsyncUtils.waitForFxEvents();
    GridPane table = robot.lookup("#shortcutTable").queryAs(GridPane.class);
    assertEquals(2 * window.shortcuts().size(), table.getChildren().size());
    robot.press(KeyCode.ESCAPE).release(KeyCode.ESCAPE);
    WaitForAsyncUtils.waitForFxEvents();
    assertTrue(robot.lookup("#shortcutTable").tryQuery().isEmpty(), "Esc closes the help");
    fx(
        () -> {
          vm.seeds().seedLockedProperty().set(true);
          vm.seeds().seedTextProperty().set("abc");
          return null;
        });
    robot.clickOn("#generate");
    Label error = robot.lookup("#error").queryAs(Label.class);
    assertTrue(error.isVisible());
    assertEquals("The seed must be a whole number such as 42, got \"abc\".", error.getText());
  }

  @Test
  void completionOffersTheModelsWordsAndTheCanvasSwitches(FxRobot robot) throws Exception {
    modelRead();
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("a smi");
    WaitForAsyncUtils.waitFor(
        10, TimeUnit.SECONDS, () -> robot.lookup(".auto-complete-popup").tryQuery().isPresent());
    @SuppressWarnings("unchecked")
    ListView<String> popup =
        robot
            .lookup(
                (javafx.scene.Node n) ->
                    n instanceof ListView && n.getScene() != window.root().getScene())
            .queryAs(ListView.class);
    assertTrue(
        fx(() -> popup.getItems().contains("smiling")), fx(() -> popup.getItems().toString()));
    robot.interact(() -> popup.getSelectionModel().select("smiling"));
    robot.press(KeyCode.ENTER).release(KeyCode.ENTER);
    WaitForAsyncUtils.waitFor(
        10,
        TimeUnit.SECONDS,
        () -> fx(() -> vm.controls().promptProperty().get().equals("a smiling ")));

    robot.clickOn("#generate");
    waitFor(() -> vm.jobs().results().size() == 1);
    robot.clickOn("#showXt");
    assertEquals(
        32.0,
        fx(() -> window.canvas().canvas().view().getImage().getWidth()),
        "x_t is shown at the output size");
    robot.clickOn("#showX0");
    assertEquals(32.0, fx(() -> window.canvas().canvas().view().getImage().getWidth()));
    robot.clickOn("#stepLabel");
    robot.press(KeyCode.CONTROL, KeyCode.DIGIT1).release(KeyCode.DIGIT1, KeyCode.CONTROL);
    assertFalse(fx(() -> window.canvas().canvas().fitProperty().get()), "Ctrl+1 shows 1:1");
    robot.press(KeyCode.CONTROL, KeyCode.DIGIT0).release(KeyCode.DIGIT0, KeyCode.CONTROL);
    assertTrue(fx(() -> window.canvas().canvas().fitProperty().get()), "Ctrl+0 fits");
  }
}
