package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The studio's SDXL size conditioning: Reuse restores a recipe's values, Generate sends them to an
 * SDXL model only, and a recipe without them turns the expander off.
 */
class SizeConditioningReuseTest {
  @Test
  void reuseRestoresTheSizesAndGenerateSendsThemToSdxlOnly() {
    StudioViewModel vm = new StudioViewModel(new UiQueue(), Runnable::run, new Random(1));
    SizeConditioning chosen = new SizeConditioning(2048, 1536, 8, 16, 0, 0);
    Recipe sized =
        Recipe.made(
            Settings.defaults(), 1, 1024, 768, -1, null, null, chosen.parameters(1024, 768));
    List<String> notices = RecipeControls.apply(vm, sized, false);
    assertTrue(notices.stream().noneMatch(n -> n.contains("SDXL")), notices.toString());
    SdxlSizesViewModel s = vm.sdxlSizes();
    assertTrue(s.enabledProperty().get());
    assertEquals(chosen, s.settings());
    GenerationRequest r = GenerationRequest.builder().prompt("a fox").size(1024, 768).build();
    assertEquals(chosen, s.applyTo(r, true).sizes());
    assertEquals(SizeConditioning.DEFAULT, s.applyTo(r, false).sizes(), "not SDXL: defaults");

    RecipeControls.apply(vm, Recipe.made(Settings.defaults(), 1, 64, 64, -1, null, null), false);
    assertFalse(s.enabledProperty().get(), "a recipe without them turns them off");
    assertEquals(SizeConditioning.DEFAULT, s.settings());
    s.enabled.set(true);
    s.originalWidth.set(512); // the height left at 0: one sentence from SizeConditioning
    RecipeException e = assertThrows(RecipeException.class, () -> s.applyTo(r, true));
    assertTrue(e.getMessage().startsWith("Original size must be two sides"), e.getMessage());
  }

  @Test
  void aRecipesTimestepSpacingGetsOneNotice() {
    StudioViewModel vm = new StudioViewModel(new UiQueue(), Runnable::run, new Random(1));
    Recipe spaced =
        Recipe.made(
            Settings.defaults(), 1, 64, 64, -1, null, null, Map.of("Timestep spacing", "trailing"));
    assertTrue(
        RecipeControls.apply(vm, spaced, false).stream()
            .anyMatch(n -> n.contains("no timestep spacing setting") && n.contains("trailing")));
  }
}
