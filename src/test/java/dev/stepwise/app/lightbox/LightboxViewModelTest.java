package dev.stepwise.app.lightbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LightboxViewModelTest {
  private static LightboxItem file(String name, Recipe r) {
    return new LightboxItem(name, null, Path.of(name), r, r == null ? "No recipe in it." : null);
  }

  private static Recipe recipe(long seed) {
    Settings s =
        new Settings(
            "red apple, twemoji style", "", Sampler.EULER, false, 0, 20, 7.5, seed, 64, 64);
    return Recipe.made(s, seed, 64, 64, -1, null, null);
  }

  @Test
  void stepsThroughTheItemsInOrderAndStopsAtTheEnds() {
    LightboxViewModel vm =
        new LightboxViewModel(
            List.of(file("a.png", recipe(1)), file("b.png", recipe(2)), file("c.png", null)), 1);
    assertEquals("2 of 3", vm.counterProperty().get());
    assertTrue(vm.next());
    assertEquals("c.png", vm.currentProperty().get().title());
    assertFalse(vm.next(), "the last stays");
    vm.first();
    assertFalse(vm.previous());
    assertEquals("1 of 3", vm.counterProperty().get());
    vm.last();
    assertEquals("c.png · No recipe in it.", vm.recipeLineProperty().get());
    assertEquals("No recipe in it.", vm.recipeText());
    assertEquals(0, new LightboxViewModel(List.of(file("a.png", null)), -4).indexProperty().get());
    assertThrows(IllegalArgumentException.class, () -> new LightboxViewModel(List.of(), 0));
  }

  @Test
  void theRecipeLineIsShortAndTheCopyIsA1111Text() {
    LightboxViewModel vm = new LightboxViewModel(List.of(file("a.png", recipe(42))), 0);
    assertEquals(
        "seed 42 · 20 steps · euler · scale 7.5 · 64×64 · red apple, twemoji style",
        vm.recipeLineProperty().get());
    String text = vm.recipeText();
    assertTrue(text.startsWith("red apple, twemoji style\n"), text);
    assertTrue(text.contains("Steps: 20, Sampler: Euler, CFG scale: 7.5, Seed: 42"), text);
    vm.copied();
    assertEquals("Copied the recipe.", vm.messageProperty().get());
  }

  @Test
  void zoomFitsThenStepsByWholeNumbers() {
    LightboxViewModel vm = new LightboxViewModel(List.of(file("a.png", null)), 0);
    assertEquals(7, vm.scaleFor(64, 64, 500, 480), "fit: whole-number enlargement");
    assertEquals("Fit 700%", vm.zoomText(7));
    vm.zoomIn(7);
    assertFalse(vm.fitProperty().get());
    assertEquals(8, vm.scaleFor(64, 64, 500, 480));
    assertEquals("800%", vm.zoomText(8));
    vm.zoomOut(8);
    vm.zoomOut(6);
    assertEquals(4, vm.scaleFor(64, 64, 500, 480));
    vm.oneToOne();
    assertEquals(1, vm.scaleFor(64, 64, 500, 480));
    vm.fitToWindow();
    assertEquals(0.5, vm.scaleFor(1024, 1024, 512, 600), 1e-12, "large pictures are reduced");
  }
}
