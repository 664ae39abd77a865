package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.PackFacts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The size presets the studio offers (issue 21 item 5): SDXL's five sizes for an SDXL model. */
class SizePresetTest {
  private static PackFacts facts(int own, int step, boolean sdxl) {
    return new PackFacts(TestPacks.tinySd(), "m", null, null, own, step, List.of(), sdxl);
  }

  private static List<String> labels(ControlsViewModel vm) {
    return vm.sizePresets().stream().map(SizePreset::label).toList();
  }

  @Test
  void anSdxlModelOffersItsOwnSizeAndTheFourAspectSizes() {
    ControlsViewModel vm = new ControlsViewModel();
    assertTrue(vm.sizePresets().isEmpty(), "nothing before a model is read");
    vm.fitSize(facts(1024, 8, true));
    assertEquals(
        List.of(
            "1024 × 1024 (the model's own)",
            "896 × 1152",
            "1152 × 896",
            "832 × 1216",
            "1216 × 832"),
        labels(vm));
    assertEquals(1024, vm.widthProperty().get(), "an unset size becomes the model's own");
    vm.usePreset(vm.sizePresets().get(3));
    assertEquals(832, vm.widthProperty().get());
    assertEquals(1216, vm.heightProperty().get());
    assertEquals("", vm.sizeWarningProperty().get(), "an SDXL aspect size is not too large");
    vm.usePreset(vm.sizePresets().get(4));
    assertEquals("", vm.sizeWarningProperty().get());
    vm.widthProperty().set(1536);
    assertTrue(vm.sizeWarningProperty().get().contains("at 1536x832"), "more pixels than 1024²");
  }

  @Test
  void anSd15ModelOffersOnlyItsOwnSquareAndWarnsPerSide() {
    ControlsViewModel vm = new ControlsViewModel();
    vm.fitSize(facts(1024, 8, true));
    vm.fitSize(facts(512, 8, false));
    assertEquals(List.of("512 × 512 (the model's own)"), labels(vm));
    vm.widthProperty().set(640);
    vm.heightProperty().set(384);
    assertFalse(vm.sizeWarningProperty().get().isEmpty(), "640 is wider than SD 1.5's 512");
  }

  @Test
  void theTinySdxlPackIsReadAsSdxlAndItsPresetsAreScaledToItsSize() {
    PackFacts f = PackFacts.read(TestPacks.byName("tiny-sdxl"));
    assertTrue(f.sdxl());
    assertEquals(32, f.nativeSize()); // sample_size 8 x the autoencoder's factor 4
    assertFalse(PackFacts.read(TestPacks.tinySd()).sdxl());
    ControlsViewModel vm = new ControlsViewModel();
    vm.fitSize(f);
    assertEquals(
        List.of("32 × 32 (the model's own)", "28 × 36", "36 × 28", "28 × 40", "40 × 28"),
        labels(vm));
  }
}
