package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import javafx.scene.Node;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Generate never changes the prompt the user typed: Ctrl+Enter with the completion popup open
 * queues the typed words, and a suggestion made for an earlier word is never put in place.
 */
@ExtendWith(ApplicationExtension.class)
class PromptCompletionTest {
  private static final long LIMIT_S = 120;
  private static SamplingService service;
  private static final ExecutorService IO = Executors.newSingleThreadExecutor();
  private StudioViewModel vm;
  private StudioWindow window;

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
        new GenerationSettings("", "", 5, 2, "0", false, Sampler.DDIM, false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny-sd (built-in)", TestPacks.tinySd(), true)));
    vm.attach(service);
    window = new StudioWindow(vm, Theme.LIGHT);
    window.setPopupErrors(false);
    stage.setScene(window.createScene(1200, 780));
    stage.show();
  }

  private static <T> T fx(Callable<T> c) throws Exception {
    return WaitForAsyncUtils.asyncFx(c).get(LIMIT_S, TimeUnit.SECONDS);
  }

  private static void waitFor(Callable<Boolean> c) throws Exception {
    WaitForAsyncUtils.waitFor(LIMIT_S, TimeUnit.SECONDS, () -> fx(c));
  }

  /** The popup's list once it offers a word that continues {@code word} (it may lag behind). */
  @SuppressWarnings("unchecked")
  private ListView<String> popupList(FxRobot robot, String word) throws Exception {
    WaitForAsyncUtils.waitFor(
        10, TimeUnit.SECONDS, () -> robot.lookup(".auto-complete-popup").tryQuery().isPresent());
    ListView<String> list =
        robot
            .lookup((Node n) -> n instanceof ListView && n.getScene() != window.root().getScene())
            .queryAs(ListView.class);
    waitFor(
        () ->
            list.getSelectionModel().getSelectedItem() != null
                && list.getSelectionModel().getSelectedItem().startsWith(word));
    return list;
  }

  @Test
  void ctrlEnterWithTheCompletionPopupOpenQueuesThePromptAsTyped(FxRobot robot) throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    for (String typed : List.of("thumbs up, fluent flat sty", "red apple, tw")) {
      int before = fx(() -> vm.jobs().results().size());
      robot
          .clickOn("#prompt")
          .press(KeyCode.CONTROL, KeyCode.A)
          .release(KeyCode.A, KeyCode.CONTROL);
      robot.write(typed);
      String word = typed.substring(typed.lastIndexOf(' ') + 1);
      ListView<String> list = popupList(robot, word);
      String offered = fx(() -> list.getSelectionModel().getSelectedItem());
      assertTrue(offered.length() > word.length(), "Enter would change the word: " + offered);
      robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
      waitFor(() -> vm.jobs().results().size() == before + 1);
      assertEquals(typed, fx(() -> vm.controls().promptProperty().get()), "the field is as typed");
      assertEquals(
          typed,
          fx(() -> vm.jobs().results().get(before).request().settings().prompt()),
          "the job has the prompt as typed");
      waitFor(() -> robot.lookup(".auto-complete-popup").tryQuery().isEmpty());
    }
  }

  @Test
  void aSuggestionForAnEarlierWordIsNotPutInPlace(FxRobot robot) throws Exception {
    waitFor(() -> vm.model().factsProperty().get() != null);
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("fluent flat sty");
    // "the" was offered for "th" while the user typed on; it reaches the field only now.
    PromptCompletion completion = fx(() -> window.controls().completion());
    assertNotNull(completion);
    fx(
        () -> {
          completion.completeUserInput("the");
          return null;
        });
    assertEquals("fluent flat sty", fx(() -> vm.controls().promptProperty().get()));
    fx(
        () -> {
          completion.completeUserInput("style");
          return null;
        });
    assertEquals("fluent flat style ", fx(() -> vm.controls().promptProperty().get()));
    TextArea area = robot.lookup("#prompt").queryAs(TextArea.class);
    assertEquals(18, fx(area::getCaretPosition));
  }
}
