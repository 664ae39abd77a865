package dev.stepwise.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.SizeAdvice;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * A size above the model's own (32x32 for the tiny pack) is warned about beside the size, without
 * moving the row, and the run's "Finished" line repeats the warning; the run still happens.
 */
class SizeWarningTest extends StudioHarness {
  private static final String AT_64x32 =
      "The model was trained at 32x32 pixels; at 64x32 it often repeats or fuses the subject.";

  @Start
  void start(Stage stage) throws Exception {
    open(stage);
  }

  @Test
  void aSizeAboveTheModelsOwnIsWarnedAboutAndStillRuns(FxRobot robot) throws Exception {
    modelRead();
    Label sign = robot.lookup("#sizeWarning").queryAs(Label.class);
    Node height = robot.lookup("#height").query();
    assertEquals(32, fx(() -> vm.controls().widthProperty().get()));
    assertFalse(fx(sign::isVisible), "32x32 is the model's own size");
    double x = fx(() -> height.localToScene(height.getLayoutBounds()).getMinX());

    onFx(() -> vm.controls().widthProperty().set(64));
    WaitForAsyncUtils.waitForFxEvents();
    assertTrue(fx(sign::isVisible));
    assertEquals(AT_64x32, fx(() -> sign.getTooltip().getText()));
    assertEquals(x, fx(() -> height.localToScene(height.getLayoutBounds()).getMinX()), "no shift");

    generateAndWait(1);
    assertEquals(64, fx(() -> vm.jobs().results().get(0).image().width()), "it runs");
    String status = fx(() -> vm.status().statusProperty().get());
    assertTrue(status.startsWith("Finished 1 image") && status.endsWith(AT_64x32), status);

    onFx(
        () -> {
          vm.controls().widthProperty().set(24);
          vm.controls().heightProperty().set(16);
        });
    assertFalse(fx(sign::isVisible), "smaller sizes are not warned about");
    assertEquals("", fx(() -> vm.controls().sizeWarningProperty().get()));
    assertNull(SizeAdvice.warning(512, 512, 512));
    assertNull(SizeAdvice.warning(640, 480, 0), "no model read yet");
    assertEquals(
        "The model was trained at 512x512 pixels; at 512x768 it often repeats or fuses the"
            + " subject.",
        SizeAdvice.warning(512, 768, 512));
  }
}
