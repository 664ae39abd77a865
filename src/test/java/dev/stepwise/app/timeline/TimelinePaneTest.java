package dev.stepwise.app.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import javafx.scene.Scene;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Slider;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The timeline pane under a headless toolkit (Monocle). */
@ExtendWith(ApplicationExtension.class)
class TimelinePaneTest {
  private static final int STEPS = 6;
  private TimelineViewModel vm;

  @Start
  void start(Stage stage) {
    vm = new TimelineViewModel();
    vm.reset(STEPS);
    for (int i = 0; i < STEPS; i++) {
      vm.addFrame(i, solid(8 + 8 * (i % 2), 8 + 8 * (i % 2), 40 * i));
    }
    stage.setScene(new Scene(new TimelinePane(vm), 900, 600));
    stage.show();
  }

  private static RgbImage solid(int w, int h, int red) {
    byte[] rgb = new byte[w * h * 3];
    for (int p = 0; p < w * h; p++) {
      rgb[p * 3] = (byte) red;
      rgb[p * 3 + 1] = 20;
      rgb[p * 3 + 2] = 30;
    }
    return new RgbImage(w, h, rgb);
  }

  /** The red of the selected step's picture (the studio shows it on the live canvas). */
  private int redShown() {
    return (vm.selectedFrameProperty().get().image().rgbAt(1, 1) >> 16) & 0xff;
  }

  @Test
  void showsEveryStepAndClickingAThumbnailSelectsIt(FxRobot robot) {
    ListView<?> strip = robot.lookup("#timeline-strip").queryAs(ListView.class);
    assertEquals(STEPS, strip.getItems().size());
    assertEquals(
        STEPS,
        robot.lookup(".timeline-frame").queryAll().stream().filter(n -> n.getId() != null).count(),
        "one visible cell per step");
    assertTrue(robot.lookup("#timeline-large").tryQuery().isEmpty(), "the canvas shows the step");
    assertEquals(40 * (STEPS - 1), redShown(), "the newest step is shown");
    robot.clickOn("#timeline-frame-2");
    WaitForAsyncUtils.waitForFxEvents();
    assertEquals(2, vm.selectedStepProperty().get());
    assertEquals(80, redShown());
    assertTrue(robot.lookup("#timeline-frame-2").queryAs(ListCell.class).isSelected());
    assertEquals("Step 3 of 6", robot.lookup("#timeline-step").queryLabeled().getText());
  }

  @Test
  void stripMirrorsInsertionsReplacementsAndReset(FxRobot robot) {
    ListView<?> strip = robot.lookup("#timeline-strip").queryAs(ListView.class);
    robot.interact(
        () -> {
          vm.reset(4);
          vm.addFrame(0, solid(8, 8, 10));
          vm.addFrame(3, solid(8, 8, 30));
          vm.addFrame(1, solid(8, 8, 20)); // lands between 0 and 3
          vm.addFrame(3, solid(32, 32, 40)); // a full decode replaces step 3's preview
        });
    assertEquals(
        java.util.List.of(0, 1, 3),
        vm.frames().stream().map(TimelineViewModel.Frame::step).toList());
    assertEquals(3, strip.getItems().size());
    ImageView thumb3 =
        (ImageView) robot.lookup("#timeline-frame-3").queryAs(ListCell.class).getGraphic();
    assertEquals(32, thumb3.getImage().getWidth(), 0.0);
    assertTrue(robot.lookup("#timeline-frame-3").queryAs(ListCell.class).isSelected());
    robot.interact(() -> vm.reset(2));
    assertEquals(0, strip.getItems().size());
    assertTrue(robot.lookup("#timeline-frame-0").tryQuery().isEmpty());
    assertEquals(null, vm.selectedFrameProperty().get());
  }

  @Test
  void scrubbingTheSliderSelectsAStep(FxRobot robot) {
    Slider slider = robot.lookup("#timeline-slider").queryAs(Slider.class);
    assertEquals(STEPS - 1, slider.getMax());
    robot.interact(() -> slider.setValue(1));
    assertEquals(1, vm.selectedStepProperty().get());
    assertEquals(40, redShown());
    robot.clickOn("#timeline-slider");
    WaitForAsyncUtils.waitForFxEvents();
    robot.type(javafx.scene.input.KeyCode.RIGHT);
    WaitForAsyncUtils.waitForFxEvents();
    int after = vm.selectedStepProperty().get();
    assertEquals((int) Math.round(slider.getValue()), after);
    assertNotNull(vm.selectedFrameProperty().get());
  }

  @Test
  void playAdvancesStepsAndPauses(FxRobot robot) throws Exception {
    robot.interact(
        () -> {
          vm.fpsProperty().set(30);
          vm.selectedStepProperty().set(0);
        });
    robot.clickOn("#timeline-play");
    assertTrue(vm.playingProperty().get());
    long deadline = System.currentTimeMillis() + 3000;
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    while (System.currentTimeMillis() < deadline && seen.size() < 3) {
      WaitForAsyncUtils.waitForFxEvents();
      seen.add(vm.selectedStepProperty().get());
      Thread.sleep(20);
    }
    assertTrue(seen.size() >= 3, "playback visited " + seen);
    robot.clickOn("#timeline-play");
    assertEquals(false, vm.playingProperty().get());
  }
}
