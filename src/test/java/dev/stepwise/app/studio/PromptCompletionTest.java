package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.app.StudioHarness;
import java.util.List;
import javafx.scene.Node;
import javafx.scene.control.ListView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/**
 * Generate never changes the prompt the user typed (issue 16, item 1): Ctrl+Enter with the
 * completion popup open queues the typed words, and a suggestion made for an earlier word is never
 * put in place. Both tests fail on the PromptCompletion before the fix.
 */
class PromptCompletionTest extends StudioHarness {
  @Start
  void start(Stage s) throws Exception {
    open(s);
  }

  @Test
  void ctrlEnterWithTheCompletionPopupOpenQueuesThePromptAsTyped(FxRobot robot) throws Exception {
    modelRead();
    for (String typed : List.of("thumbs up, fluent flat sty", "red apple, tw")) {
      int before = fx(() -> vm.jobs().results().size());
      robot
          .clickOn("#prompt")
          .press(KeyCode.CONTROL, KeyCode.A)
          .release(KeyCode.A, KeyCode.CONTROL);
      robot.write(typed);
      String word = typed.substring(typed.lastIndexOf(' ') + 1);
      waitFor(() -> robot.lookup(".auto-complete-popup").tryQuery().isPresent());
      @SuppressWarnings("unchecked")
      ListView<String> list =
          robot
              .lookup((Node n) -> n instanceof ListView && n.getScene() != window.root().getScene())
              .queryAs(ListView.class);
      // the popup lags behind typing: wait until it offers a longer word for this one
      waitFor(() -> String.valueOf(list.getSelectionModel().getSelectedItem()).startsWith(word));
      robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
      waitFor(() -> vm.jobs().results().size() == before + 1);
      assertEquals(typed, fx(() -> vm.controls().promptProperty().get()), "the field is as typed");
      assertEquals(typed, fx(() -> vm.jobs().results().get(before).request().settings().prompt()));
      waitFor(() -> robot.lookup(".auto-complete-popup").tryQuery().isEmpty());
    }
  }

  @Test
  void aSuggestionForAnEarlierWordIsNotPutInPlace(FxRobot robot) throws Exception {
    modelRead();
    robot.clickOn("#prompt").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL);
    robot.write("fluent flat sty");
    PromptCompletion completion = fx(() -> window.controls().completion());
    onFx(() -> completion.completeUserInput("the")); // offered for "th", arriving only now
    assertEquals("fluent flat sty", fx(() -> vm.controls().promptProperty().get()));
    onFx(() -> completion.completeUserInput("style"));
    assertEquals("fluent flat style ", fx(() -> vm.controls().promptProperty().get()));
  }
}
