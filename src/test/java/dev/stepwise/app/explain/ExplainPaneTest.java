package dev.stepwise.app.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.sampling.SchedulerConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.Scene;
import javafx.scene.control.Slider;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The explain view under a headless toolkit (Monocle), with its real model thread. */
@ExtendWith(ApplicationExtension.class)
class ExplainPaneTest {
  private static final Path TINY = Path.of("src/test/resources/packs/tiny-sd");
  private ExplainViewModel vm;

  @Start
  void start(Stage stage) {
    vm = new ExplainViewModel();
    vm.setModel(TINY, SchedulerConfig.stableDiffusion(), "DPM++ 2M", true, 12);
    stage.setScene(new Scene(new ExplainPane(vm), 1100, 760));
    stage.show();
  }

  @AfterEach
  void closeModel() {
    vm.close();
  }

  private static long checksum(Image img) {
    long sum = 0;
    for (int y = 0; y < img.getHeight(); y += 3) {
      for (int x = 0; x < img.getWidth(); x += 3) {
        sum = sum * 31 + img.getPixelReader().getArgb(x, y);
      }
    }
    return sum;
  }

  @Test
  void chartsMarkTheCurrentStepAndTheSamplerUpdateIsShown(FxRobot robot) {
    ScheduleChart alpha = robot.lookup("#explain-alphabar-chart").queryAs(ScheduleChart.class);
    ScheduleChart snr = robot.lookup("#explain-snr-chart").queryAs(ScheduleChart.class);
    assertEquals(12, alpha.stepDots());
    assertEquals(12, snr.stepDots());
    assertTrue(Double.isNaN(alpha.markerT()));
    robot.interact(() -> vm.setCurrentStep(3));
    double t = vm.planProperty().get().timestep(3);
    assertEquals(t, alpha.markerT(), 0.0);
    assertEquals(t, snr.markerT(), 0.0);
    assertTrue(
        robot.lookup("#explain-sampler-title").queryLabeled().getText().startsWith("DPM++ 2M"));
    assertTrue(robot.lookup("#explain-formula").queryLabeled().getText().contains("e^(−h)"));
    assertTrue(
        robot.lookup("#explain-step-numbers").queryLabeled().getText().startsWith("Step 4 of 12"));
  }

  @Test
  void chartsMarkWhereAnImg2imgRunStarts(FxRobot robot) {
    ScheduleChart alpha = robot.lookup("#explain-alphabar-chart").queryAs(ScheduleChart.class);
    ScheduleChart snr = robot.lookup("#explain-snr-chart").queryAs(ScheduleChart.class);
    assertTrue(Double.isNaN(alpha.strengthT()), "no init image, no mark");
    robot.interact(() -> vm.setStrength(0.5));
    // DPM++ 2M, 12 steps: A1111's t_enc = int(0.5 * 12) = 6, the sigmas from index 12 - 6 - 1.
    double t = vm.planProperty().get().timestep(5);
    assertEquals(t, alpha.strengthT(), 0.0);
    assertEquals(t, snr.strengthT(), 0.0);
    robot.interact(() -> vm.setStrength(Double.NaN));
    assertTrue(Double.isNaN(snr.strengthT()));
  }

  @Test
  void sliderChangesThePixelImage(FxRobot robot) {
    ImageView pixel = robot.lookup("#explain-pixel").queryAs(ImageView.class);
    Slider slider = robot.lookup("#explain-t-slider").queryAs(Slider.class);
    assertEquals(999, slider.getMax());
    robot.interact(() -> slider.setValue(10));
    long low = checksum(pixel.getImage());
    assertEquals("t = 10", robot.lookup("#explain-t-value").queryLabeled().getText());
    robot.interact(() -> slider.setValue(800));
    assertEquals(800, vm.explorerTimestepProperty().get());
    assertTrue(low != checksum(pixel.getImage()), "the pixel-space image changed");
    long before = checksum(pixel.getImage());
    robot.clickOn("#explain-new-noise");
    WaitForAsyncUtils.waitForFxEvents();
    assertTrue(before != checksum(pixel.getImage()), "new noise changes x_t");
  }

  @Test
  void latentModeShowsTheDecodedNoisyLatent(FxRobot robot) throws Exception {
    ImageView decoded = robot.lookup("#explain-latent-decoded").queryAs(ImageView.class);
    ImageView latent = robot.lookup("#explain-latent-view").queryAs(ImageView.class);
    assertNull(decoded.getImage());
    robot.clickOn("#explain-latent-toggle");
    WaitForAsyncUtils.waitFor(
        120, TimeUnit.SECONDS, () -> decoded.getImage() != null && !vm.busyProperty().get());
    assertEquals(32, decoded.getImage().getWidth(), 0.0);
    assertNotNull(latent.getImage());
    assertEquals(8, latent.getImage().getWidth(), 0.0);
    long first = checksum(decoded.getImage());
    Slider slider = robot.lookup("#explain-t-slider").queryAs(Slider.class);
    robot.interact(() -> slider.setValue(950));
    WaitForAsyncUtils.waitFor(
        120,
        TimeUnit.SECONDS,
        () -> !vm.busyProperty().get() && checksum(decoded.getImage()) != first);
    assertTrue(robot.lookup("#explain-latent-status").queryLabeled().getText().contains("(f = 4)"));
  }
}
