package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.recipe.GridPlan.Kind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The studio's compare grid without a toolkit, on the tiny pack. */
class CompareViewModelTest {
  private final VariationViewModelTest t = new VariationViewModelTest();

  @Test
  void aTwoByTwoGridFillsAsCellsFinishAndTheGuidancePresetIsOneCall() throws Exception {
    t.openTiny();
    var vm = t.vm;
    var ui = t.ui;
    List<ImageToSave> grids = new ArrayList<>();
    CompareViewModel c = vm.compare();
    c.setOnGridDone(grids::add);
    c.xValues.set("cat,dog");
    c.xKind.set(Kind.PROMPT);
    assertFalse(c.start());
    assertTrue(vm.status().errorProperty().get().startsWith("The grid's prompt values replace"));
    c.xKind.set(Kind.GUIDANCE);
    c.xValues.set("1,7.5");
    c.yKind.set(Kind.SAMPLER);
    c.yValues.set("ddim,euler");
    assertTrue(c.start());
    ui.runUntil(() -> grids.size() == 1, VariationViewModelTest.LIMIT);
    assertEquals("4 of 4 cells", c.progress.get());
    RgbImage grid = c.grid.get();
    for (int i = 0; i < 4; i++) { // the results strip has the cells; the grid their pixels
      RgbImage cell = vm.jobs().results().get(i).image();
      assertEquals(42, vm.jobs().results().get(i).seed());
      for (int k = 0; k < 32 * 32; k += 7) {
        assertEquals(
            cell.rgbAt(k % 32, k / 32),
            grid.rgbAt(
                grid.width() - 32 * (2 - i % 2) + k % 32,
                grid.height() - 32 * (2 - i / 2) + k / 32));
      }
    }
    assertArrayEquals(grid.rgb(), grids.get(0).rgb());
    var extras = grids.get(0).recipe().extras();
    assertEquals(
        List.of("X/Y/Z plot", "1,7.5", "DDIM,Euler"),
        List.of(extras.get("Script"), extras.get("X Values"), extras.get("Y Values")));
    assertEquals(1.0, grids.get(0).recipe().guidance(), "the first cell's recipe");
    // The queue drops a finished job on the UI thread after the grid hears of its last cell.
    ui.runUntil(() -> vm.jobs().queue().isEmpty(), VariationViewModelTest.LIMIT);
    assertTrue(c.guidancePreset());
    assertEquals(
        List.of(1.0, 3.0, 5.0, 7.5, 10.0),
        vm.jobs().queue().stream().map(e -> e.job().request().settings().guidance()).toList());
  }

  @org.junit.jupiter.api.AfterAll
  static void stop() {
    VariationViewModelTest.stop();
  }
}
