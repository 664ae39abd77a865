package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.recipe.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Variation seeds in the studio: the controls, "Vary" and Reuse, on the tiny pack. */
class VariationViewModelTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  private final UiQueue ui = new UiQueue();
  private final StudioViewModel vm = new StudioViewModel(ui, Runnable::run, new Random(7));
  private static SamplingService service;

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  private void openTiny() throws InterruptedException {
    Path tiny = TestPacks.tinySd();
    GenerationSettings d = GenerationSettings.defaults();
    vm.apply(
        new GenerationSettings(
            "a red heart", "", 5, 3, "42", true, d.sampler(), false, 0, 0, 1, ""),
        List.of(new ModelChoice("tiny", tiny, true)));
    ui.runUntil(() -> vm.model().factsProperty().get() != null, LIMIT);
    if (service == null) {
      service = new SamplingService(tiny);
    }
    vm.attach(service);
  }

  private static Settings settingsOf(QueueEntry e) {
    return e.job().request().settings();
  }

  @Test
  void generateTakesTheFieldsAndStrengthZeroLeavesTheRequestAlone() throws Exception {
    openTiny();
    QueueEntry plain = vm.generate();
    assertEquals(0, settingsOf(plain).variationStrength());
    vm.variation().strengthProperty().set(0.3);
    vm.variation().seedTextProperty().set("7");
    QueueEntry varied = vm.generate();
    assertEquals(7, settingsOf(varied).variationSeed());
    assertEquals(0.3, settingsOf(varied).variationStrength());
    assertEquals(42, settingsOf(varied).seed());
    assertEquals("seed 42, variation seed 7 at 0.3", varied.seeds());
    vm.variation().seedTextProperty().set("");
    QueueEntry random = vm.generate();
    assertTrue(settingsOf(random).variationSeed() >= 0, "an empty field draws a seed");
    vm.variation().seedTextProperty().set("seven");
    assertNull(vm.generate());
    assertEquals(
        "The variation seed must be a whole number such as 42, or empty for a random one, got"
            + " \"seven\".",
        vm.status().errorProperty().get());
    ui.runUntil(() -> vm.jobs().results().size() == 3, LIMIT);
    assertFalse(
        Arrays.equals(
            vm.jobs().results().get(0).image().rgb(), vm.jobs().results().get(1).image().rgb()));
  }

  @Test
  void varyQueuesFourNeighboursWithTheSeedAndFreshVariationSeeds() throws Exception {
    openTiny();
    vm.generate();
    ui.runUntil(() -> vm.jobs().results().size() == 1, LIMIT);
    ResultItem original = vm.jobs().results().get(0);
    List<QueueEntry> entries = vm.variation().vary(original);
    assertEquals(VariationViewModel.NEIGHBOURS, entries.size());
    Set<Long> variationSeeds = new HashSet<>();
    for (QueueEntry e : entries) {
      GenerationRequest r = e.job().request();
      assertEquals(1, r.batch());
      assertEquals(42, r.settings().seed());
      assertEquals(VariationViewModel.VARY_STRENGTH, r.settings().variationStrength());
      variationSeeds.add(r.settings().variationSeed());
    }
    assertEquals(4, variationSeeds.size(), "four different variation seeds");
    assertEquals(
        "Queued 4 variations of seed 42 at strength 0.2.", vm.status().statusProperty().get());
    ui.runUntil(() -> vm.jobs().results().size() == 5, LIMIT);
    for (int i = 1; i < 5; i++) {
      ResultItem n = vm.jobs().results().get(i);
      assertEquals(42, n.seed());
      assertFalse(Arrays.equals(original.image().rgb(), n.image().rgb()), "neighbour " + i);
    }
    vm.variation().strengthProperty().set(0.05);
    assertEquals(
        0.05,
        vm.variation().vary(original).get(0).job().request().settings().variationStrength(),
        "a strength set in the controls is the one Vary uses");
  }

  @Test
  void reuseBringsTheVariationBackOnlyWithItsSeed() {
    Recipe varied =
        new Recipe(
            "p",
            "",
            null,
            null,
            "ddim",
            false,
            20,
            5,
            0,
            42,
            64,
            64,
            -1,
            null,
            null,
            Map.of("Variation seed", "3456", "Variation seed strength", "0.25"));
    assertTrue(RecipeControls.apply(vm, varied, true).isEmpty());
    assertEquals("3456", vm.variation().seedTextProperty().get());
    assertEquals(0.25, vm.variation().strengthProperty().get());
    RecipeControls.apply(vm, varied, false);
    assertEquals(0, vm.variation().strengthProperty().get(), "a new seed drops the variation");
    Recipe strong =
        new Recipe(
            "p",
            "",
            null,
            null,
            "ddim",
            false,
            20,
            5,
            0,
            42,
            64,
            64,
            -1,
            null,
            null,
            Map.of("Variation seed", "1", "Variation seed strength", "1.5"));
    assertTrue(
        RecipeControls.apply(vm, strong, true)
            .contains("Variation strength 1.5 is outside 0 to 1, so 1.0 is used."));
    assertEquals(1, vm.variation().strengthProperty().get());
  }

  @Test
  void varyRefusesWhileTheEngineStartsInOneSentence() {
    ResultItem item =
        new ResultItem(null, 1, GenerationRequest.builder().model(Path.of("other")).build());
    assertTrue(vm.variation().vary(item).isEmpty());
    assertNotNull(vm.status().errorProperty().get());
    assertTrue(vm.status().errorProperty().get().endsWith("try again in a moment."));
  }
}
