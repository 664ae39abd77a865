package dev.stepwise.app.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SchedulerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The explain view's state without a toolkit; background work runs on the calling thread. */
class ExplainViewModelTest {
  static final Path TINY = Path.of("src/test/resources/packs/tiny-sd");
  private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion();

  @Test
  void theStrengthMarksTheFirstTimestepOfTheImg2imgRun() {
    try (ExplainViewModel vm = new ExplainViewModel(Runnable::run, Runnable::run)) {
      vm.setModel(null, SD, "ddim", false, 10);
      assertTrue(Double.isNaN(vm.strengthTimestepProperty().get()));
      vm.setStrength(1);
      // diffusers' get_timesteps at strength 1: the first of 901, 801, ... (leading, offset 1).
      assertEquals(901, vm.strengthTimestepProperty().get(), 0.0);
      vm.setStrength(0.75); // init = int(7.5) = 7 steps run, from index 3
      assertEquals(601, vm.strengthTimestepProperty().get(), 0.0);
      vm.setStrength(0); // no step runs: the autoencoder's round trip
      assertTrue(Double.isNaN(vm.strengthTimestepProperty().get()));
      vm.setStrength(0.5);
      vm.setModel(null, SD, "euler", false, 10); // A1111: t_enc = 5, from index 10 - 5 - 1
      assertEquals(vm.planProperty().get().timestep(4), vm.strengthTimestepProperty().get(), 0.0);
      vm.setModel(null, SD, "ddim", false, 20); // the mark follows the plan: index 10 of 20
      assertEquals(451, vm.strengthTimestepProperty().get(), 0.0);
    }
  }

  @Test
  void planAndCurrentStepFollowTheSettings() {
    try (ExplainViewModel vm = new ExplainViewModel(Runnable::run, Runnable::run)) {
      vm.setModel(null, SD, "ddim", false, 20);
      assertEquals(20, vm.planProperty().get().steps());
      assertTrue(Double.isNaN(vm.currentTimestepProperty().get()));
      vm.setCurrentStep(0);
      assertEquals(951, vm.currentTimestepProperty().get(), 0.0); // leading, steps_offset 1
      assertTrue(vm.stepNumbersProperty().get().startsWith("Step 1 of 20: t = 951"));
      vm.setCurrentStep(99);
      assertEquals(19, vm.currentStepProperty().get());
      assertEquals(1, vm.currentTimestepProperty().get(), 0.0);
      vm.setModel(null, SD, "Euler a", true, 10);
      assertTrue(vm.planProperty().get().karras());
      assertTrue(vm.explanationProperty().get().title().startsWith("Euler a"));
      assertTrue(vm.explanationProperty().get().formula().contains("σ_up"));
      assertEquals(9, vm.currentStepProperty().get(), "the step is clamped to the new plan");
      vm.setModel(null, SD, "heun", false, 10);
      assertTrue(vm.messageProperty().get().startsWith("Unknown sampler \"heun\""));
      assertEquals(10, vm.planProperty().get().steps(), "the previous plan stays");
      vm.setModel(null, SD, "ddim", false, 5000);
      assertEquals("steps must be between 1 and 1000, got 5000", vm.messageProperty().get());
    }
  }

  @Test
  void pixelExplorerFollowsTheSliderAndTheNoise() {
    try (ExplainViewModel vm = new ExplainViewModel(Runnable::run, Runnable::run)) {
      vm.setModel(null, SD, "ddim", false, 20);
      byte[] rgb = new byte[16 * 8 * 3];
      Arrays.fill(rgb, (byte) 200);
      RgbImage flat = new RgbImage(16, 8, rgb);
      vm.sourceImageProperty().set(flat);
      vm.explorerTimestepProperty().set(0);
      RgbImage at0 = vm.pixelNoisedProperty().get();
      assertEquals(ExplainViewModel.PIXEL_SIZE, at0.width());
      assertEquals(ExplainViewModel.PIXEL_SIZE / 2, at0.height());
      assertTrue(meanAbsDiff(at0, 200) < 12, "t = 0 is nearly the image");
      vm.explorerTimestepProperty().set(999);
      RgbImage at999 = vm.pixelNoisedProperty().get();
      assertTrue(meanAbsDiff(at999, 200) > 60, "t = 999 is nearly noise");
      // closed form at one pixel: x_t = sqrt(abar) x0 + sqrt(1 - abar) eps, x0 = 200/127.5 - 1
      double abar = NoiseSchedule.of(SD).alphaCumprod(999);
      float[] eps =
          dev.stepwise.engine.explain.ForwardProcess.noise(
              vm.noiseSeedProperty().get(), 3 * at999.width() * at999.height());
      double x = Math.sqrt(abar) * (200 / 127.5 - 1) + Math.sqrt(1 - abar) * eps[0];
      int expected = (int) Math.round(Math.max(0, Math.min(1, x / 2 + 0.5)) * 255);
      assertEquals(expected, at999.rgbAt(0, 0) >> 16);
      vm.newNoise();
      assertFalse(Arrays.equals(at999.rgb(), vm.pixelNoisedProperty().get().rgb()));
      assertEquals(ExplainViewModel.STRIP_TIMESTEPS.size(), vm.pixelStripProperty().get().size());
      vm.explorerTimestepProperty().set(5000);
      assertEquals(999, vm.explorerTimestepProperty().get());
    }
  }

  private static double meanAbsDiff(RgbImage img, int value) {
    double s = 0;
    for (byte b : img.rgb()) {
      s += Math.abs((b & 0xff) - value);
    }
    return s / img.rgb().length;
  }

  @Test
  void latentModeEncodesNoisesAndDecodesWithTheTinyPack() {
    try (ExplainViewModel vm = new ExplainViewModel(Runnable::run, Runnable::run)) {
      vm.latentEnabledProperty().set(true);
      assertTrue(vm.latentStatusProperty().get().startsWith("No model is loaded yet"));
      vm.setModel(TINY, SD, "ddim", false, 10);
      RgbImage decoded = vm.latentDecodedProperty().get();
      assertNotNull(decoded, vm.latentStatusProperty().get());
      assertEquals(32, decoded.width()); // unet sample_size 8 x f 4
      assertEquals(8, vm.latentViewProperty().get().width());
      assertTrue(
          vm.latentStatusProperty().get().contains("4x8x8 latent (f = 4)"),
          vm.latentStatusProperty().get());
      assertFalse(vm.busyProperty().get());
      vm.explorerTimestepProperty().set(900);
      assertFalse(Arrays.equals(decoded.rgb(), vm.latentDecodedProperty().get().rgb()));
      vm.latentEnabledProperty().set(false);
      assertNull(vm.latentDecodedProperty().get());
    }
  }

  @Test
  void aBrokenPackIsReportedInOneSentence(@TempDir Path dir) {
    try (ExplainViewModel vm = new ExplainViewModel(Runnable::run, Runnable::run)) {
      vm.latentEnabledProperty().set(true);
      vm.setModel(dir, SD, "ddim", false, 10);
      String first = vm.latentStatusProperty().get();
      assertTrue(first.contains(dir.toString()) && first.endsWith("."), first);
      assertFalse(first.contains("\n"));
      assertNull(vm.latentDecodedProperty().get());
      vm.explorerTimestepProperty().set(700);
      assertEquals(first, vm.latentStatusProperty().get());
      assertFalse(vm.busyProperty().get());
    }
  }

  @Test
  void unreadableImagesAreReportedInOneSentence(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("notes.png"), "not an image");
    try (ExplainViewModel vm = new ExplainViewModel(Runnable::run, Runnable::run)) {
      RgbImage before = vm.sourceImageProperty().get();
      vm.loadImage(bad);
      assertEquals(
          "The file notes.png is not an image Stepwise can read; use PNG, JPEG, GIF or BMP.",
          vm.messageProperty().get());
      assertEquals(before, vm.sourceImageProperty().get());
      Path good = dir.resolve("ok.png");
      byte[] rgb = new byte[4 * 4 * 3];
      Arrays.fill(rgb, (byte) 9);
      dev.stepwise.metadata.PngImage.write(good, 4, 4, rgb, java.util.Map.of());
      vm.loadImage(good);
      assertEquals(4, vm.sourceImageProperty().get().width());
      assertEquals("", vm.messageProperty().get());
    }
  }
}
