package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.recipe.GridAxis;
import dev.stepwise.recipe.Sampler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The studio's compare grid without a toolkit, on the tiny pack. */
class CompareViewModelTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private final UiQueue ui = new UiQueue();
  private final StudioViewModel vm = new StudioViewModel(ui, Runnable::run, new Random(3));
  private final List<ImageToSave> grids = new ArrayList<>();
  private static SamplingService service;

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  private void openTiny() throws InterruptedException {
    Path tiny = TestPacks.tinySd();
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, 3, "0", false, Sampler.DDIM, false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny", tiny, true)));
    ui.runUntil(() -> vm.model().factsProperty().get() != null, LIMIT);
    if (service == null) {
      service = new SamplingService(tiny);
    }
    vm.attach(service);
    vm.compare().setOnGridDone(grids::add);
  }

  private static int at(RgbImage img, int x, int y) {
    return img.rgbAt(x, y);
  }

  @Test
  void aTwoByTwoGridFillsAsCellsFinishAndHandsOnItsRecipe() throws Exception {
    openTiny();
    CompareViewModel c = vm.compare();
    c.xKindProperty().set(GridAxis.Kind.GUIDANCE);
    c.xValuesProperty().set("1,7.5");
    c.yKindProperty().set(GridAxis.Kind.SAMPLER);
    c.yValuesProperty().set("ddim,euler");
    assertTrue(c.start(), vm.status().errorProperty().get());
    assertEquals(4, vm.jobs().queue().size());
    long seed = vm.jobs().queue().get(0).job().request().settings().seed();
    for (QueueEntry e : vm.jobs().queue()) {
      assertEquals(seed, e.job().request().settings().seed(), "one seed for every cell");
    }
    ui.runUntil(() -> grids.size() == 1, LIMIT);
    assertEquals("4 of 4 cells", c.progressProperty().get());
    RgbImage grid = c.gridProperty().get();
    assertNotNull(grid);
    // the results strip got the four cells in order; the grid holds their pixels, X fastest
    for (int i = 0; i < 4; i++) {
      RgbImage cell = vm.jobs().results().get(i).image();
      int x0 = grid.width() - 32 * (2 - i % 2);
      int y0 = grid.height() - 32 * (2 - i / 2);
      for (int y = 0; y < 32; y += 7) {
        for (int x = 0; x < 32; x += 5) {
          assertEquals(at(cell, x, y), at(grid, x0 + x, y0 + y), "cell " + i);
        }
      }
    }
    ImageToSave saved = grids.get(0);
    assertArrayEquals(grid.rgb(), saved.rgb());
    assertEquals("X/Y/Z plot", saved.recipe().extras().get("Script"));
    assertEquals("CFG Scale", saved.recipe().extras().get("X Type"));
    assertEquals("1,7.5", saved.recipe().extras().get("X Values"));
    assertEquals("DDIM,Euler", saved.recipe().extras().get("Y Values"));
    assertEquals(1.0, saved.recipe().guidance(), "the first cell's recipe");
    assertEquals(seed, saved.recipe().seed());
  }

  @Test
  void theGuidancePresetIsOneCallAndBadAxesAreOneSentence() throws Exception {
    openTiny();
    CompareViewModel c = vm.compare();
    c.xKindProperty().set(GridAxis.Kind.PROMPT);
    c.xValuesProperty().set("green,blue");
    assertFalse(c.start());
    assertEquals(
        "The grid's prompt values replace their first value, \"green\", which is in neither the"
            + " prompt nor the negative prompt.",
        vm.status().errorProperty().get());
    assertTrue(vm.jobs().queue().isEmpty());
    c.yKindProperty().set(GridAxis.Kind.STEPS);
    c.yValuesProperty().set("3,x");
    assertTrue(c.guidancePreset(), "the preset replaces both axes");
    assertEquals(
        List.of(1.0, 3.0, 5.0, 7.5, 10.0),
        vm.jobs().queue().stream().map(e -> e.job().request().settings().guidance()).toList());
    assertEquals("Queued a 5x1 compare grid (5 images).", vm.status().statusProperty().get());
    ui.runUntil(() -> grids.size() == 1, LIMIT);
    assertEquals("1,3,5,7.5,10", grids.get(0).recipe().extras().get("X Values"));
    assertFalse(grids.get(0).recipe().extras().containsKey("Y Type"), "one axis");
    assertEquals(5 * 32, grids.get(0).width(), "one row: no left margin");
  }
}
