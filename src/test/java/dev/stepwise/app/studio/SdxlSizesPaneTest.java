package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.nio.file.Path;
import javafx.scene.Node;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;

/** The "SDXL size conditioning" expander is there for an SDXL model only (Monocle). */
class SdxlSizesPaneTest extends dev.stepwise.app.StudioHarness {
  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  @Test
  void theExpanderFollowsTheModel(FxRobot robot) throws Exception {
    modelRead();
    Node pane = robot.lookup("#sdxlSizesPane").query();
    assertFalse(fx(pane::isVisible), "tiny-sd is not SDXL");
    Path xl = TestPacks.byName("tiny-sdxl");
    onFx(() -> vm.model().openModel(xl));
    waitFor(
        () ->
            vm.model().factsProperty().get() != null
                && vm.model().factsProperty().get().folder().equals(xl));
    waitFor(pane::isVisible);
    assertTrue(fx(pane::isManaged));
  }
}
