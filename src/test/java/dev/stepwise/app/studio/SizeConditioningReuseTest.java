package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reusing an SDXL recipe with chosen time ids says the studio does not take them. */
class SizeConditioningReuseTest {
  @Test
  void chosenTimeIdsGetOneNoticeAndDefaultsNone() {
    StudioViewModel vm = new StudioViewModel(new UiQueue(), Runnable::run, new Random(1));
    SizeConditioning chosen = new SizeConditioning(0, 0, 8, 16, 0, 0);
    Recipe sized =
        Recipe.made(Settings.defaults(), 1, 64, 64, -1, null, null, chosen.parameters(64, 64));
    List<String> notices = RecipeControls.apply(vm, sized, false);
    assertEquals(
        1, notices.stream().filter(n -> n.contains("crop or target size")).count(), "" + notices);
    Recipe spaced =
        Recipe.made(
            Settings.defaults(), 1, 64, 64, -1, null, null, Map.of("Timestep spacing", "trailing"));
    assertTrue(
        RecipeControls.apply(vm, spaced, false).stream()
            .anyMatch(n -> n.contains("no timestep spacing setting") && n.contains("trailing")));
    Recipe plain = Recipe.made(Settings.defaults(), 1, 64, 64, -1, null, null);
    assertTrue(RecipeControls.apply(vm, plain, false).stream().noneMatch(n -> n.contains("SDXL")));
  }
}
