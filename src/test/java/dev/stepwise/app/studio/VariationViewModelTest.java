package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Variation seeds in the studio: the controls, Vary and Reuse, on the tiny pack. */
class VariationViewModelTest {
  static final Duration LIMIT = Duration.ofSeconds(60);
  final UiQueue ui = new UiQueue();
  final StudioViewModel vm = new StudioViewModel(ui, Runnable::run, new Random(7));
  private static SamplingService service;

  @AfterAll
  static void stop() {
    service.close();
    service = null;
  }

  void openTiny() throws InterruptedException {
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, 3, "42", true, Sampler.DDIM, false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny", TestPacks.tinySd(), true)));
    ui.runUntil(() -> vm.model().factsProperty().get() != null, LIMIT);
    service = service != null ? service : new SamplingService(TestPacks.tinySd());
    vm.attach(service);
  }

  private static Settings settings(QueueEntry e) {
    return e.job().request().settings();
  }

  @Test
  void generateTakesTheFieldsAndVaryQueuesFourNeighbours() throws Exception {
    openTiny();
    assertEquals(0, settings(vm.generate()).variationStrength(), "strength 0: no variation");
    vm.variation().strength.set(0.3);
    vm.variation().seedText.set("7");
    QueueEntry varied = vm.generate();
    assertEquals(
        List.of(42L, 7L), List.of(settings(varied).seed(), settings(varied).variationSeed()));
    assertEquals("seed 42, variation seed 7 at 0.3", varied.seeds());
    vm.variation().seedText.set("seven");
    assertNull(vm.generate());
    assertTrue(vm.status().errorProperty().get().startsWith("The variation seed must be a whole"));
    vm.variation().strength.set(0);
    ui.runUntil(() -> vm.jobs().results().size() == 2, LIMIT);
    ResultItem original = vm.jobs().results().get(0);
    List<QueueEntry> four = vm.variation().vary(original);
    assertEquals(4, four.stream().map(e -> settings(e).variationSeed()).distinct().count());
    for (QueueEntry e : four) {
      assertEquals(List.of(42L, 1), List.of(settings(e).seed(), e.job().request().batch()));
      assertEquals(VariationViewModel.VARY_STRENGTH, settings(e).variationStrength());
    }
    ui.runUntil(() -> vm.jobs().results().size() == 6, LIMIT);
    for (ResultItem n : vm.jobs().results().subList(2, 6)) {
      assertFalse(Arrays.equals(original.image().rgb(), n.image().rgb()));
    }
  }

  @Test
  void reuseBringsTheVariationBackOnlyWithItsSeed() {
    String text =
        "p\nSteps: 20, Seed: 42, Size: 64x64, Variation seed: 3456, Variation seed strength: 1.5";
    Recipe r = ImageParameters.fromA1111(InfoText.parse(text), new ArrayList<>());
    assertEquals(
        List.of("Variation strength 1.5 is outside 0 to 1, so 1.0 is used."),
        RecipeControls.apply(vm, r, true));
    assertEquals(
        List.of("3456", 1.0),
        List.of(vm.variation().seedText.get(), vm.variation().strength.get()));
    RecipeControls.apply(vm, r, false);
    assertEquals(0, vm.variation().strength.get(), "a new seed drops the variation");
  }
}
