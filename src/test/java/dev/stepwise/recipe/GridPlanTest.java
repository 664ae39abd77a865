package dev.stepwise.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GridPlanTest {
  private static final Settings BASE =
      new Settings("a red heart", "red", Sampler.EULER_A, true, 0, 20, 5, 42, 64, 64, 2, 9, 0.1);

  @Test
  void cellsRunXFastestAndKeepEverythingElse() {
    GridPlan plan =
        GridPlan.of(
            List.of(GridAxis.parse("guidance=1, 7.5"), GridAxis.parse("sampler=ddim,Euler a")));
    List<Settings> cells = plan.cells(BASE);
    assertEquals(4, plan.cells());
    assertEquals(List.of(1.0, 7.5, 1.0, 7.5), cells.stream().map(Settings::guidance).toList());
    assertEquals(
        List.of(Sampler.DDIM, Sampler.DDIM, Sampler.EULER_A, Sampler.EULER_A),
        cells.stream().map(Settings::sampler).toList());
    assertFalse(cells.get(0).karras(), "DDIM takes no Karras sigmas");
    assertTrue(cells.get(3).karras(), "Euler a keeps the base's Karras");
    for (Settings c : cells) {
      assertEquals(42, c.seed());
      assertEquals(2, c.clipSkip());
      assertEquals(0.1, c.variationStrength());
      assertEquals(64, c.width());
    }
    assertEquals("CFG Scale: 1.0", plan.columnLabel(0));
    assertEquals("CFG Scale: 7.5", plan.columnLabel(1));
    assertEquals("Euler a", plan.rowLabel(1));
    assertEquals(
        Map.of(
            "Script", "X/Y/Z plot",
            "X Type", "CFG Scale",
            "X Values", "1,7.5",
            "Y Type", "Sampler",
            "Y Values", "DDIM,Euler a"),
        plan.parameters());
  }

  @Test
  void promptSearchReplaceChangesBothPromptsAndQuotesMayHoldCommas() {
    GridAxis a = GridAxis.parse("prompt=red, \"blue, green\",\"say \"\"hi\"\"\"");
    assertEquals(List.of("red", "blue, green", "say \"hi\""), a.values());
    Settings second = a.apply(BASE, 1);
    assertEquals("a blue, green heart", second.prompt());
    assertEquals("blue, green", second.negativePrompt());
    assertEquals("red,\"blue, green\",\"say \"\"hi\"\"\"", a.valuesText());
    assertEquals("blue, green", a.label(1));
    assertNull(a.problemWith(BASE));
    Settings noRed = new Settings("a cat", "", Sampler.DDIM, false, 0, 20, 5, 1, 0, 0);
    assertTrue(a.problemWith(noRed).contains("\"red\", which is in neither"));
    assertThrows(RecipeException.class, () -> new GridPlan(a, null).cells(noRed));
  }

  @Test
  void seedAndStepsAxesAndTheLimits() {
    GridPlan plan = GridPlan.of(List.of(GridAxis.parse("seed=1,2,3"), GridAxis.parse("steps=4,8")));
    List<Settings> cells = plan.cells(BASE);
    assertEquals(List.of(1L, 2L, 3L, 1L, 2L, 3L), cells.stream().map(Settings::seed).toList());
    assertEquals(8, cells.get(5).steps());
    assertEquals("Seed: 2", plan.columnLabel(1));
    assertEquals("Steps: 8", plan.rowLabel(1));
    assertEquals("", GridPlan.of(List.of(GridAxis.parse("seed=1"))).rowLabel(0));
    assertEquals(
        "The grid would make 300 images; at most 256 are allowed.",
        assertThrows(
                RecipeException.class,
                () ->
                    new GridPlan(
                        GridAxis.parse("seed=" + "1,".repeat(29) + "1"),
                        GridAxis.parse("steps=" + "1,".repeat(9) + "1")))
            .getMessage());
    assertEquals(
        "The grid's guidance values must not be empty; separate values by commas.",
        assertThrows(RecipeException.class, () -> GridAxis.parse("guidance=1,,2")).getMessage());
    assertEquals(
        "The grid's guidance values must be numbers from 0 to 30, got \"31\".",
        assertThrows(RecipeException.class, () -> GridAxis.parse("guidance=31")).getMessage());
    assertEquals(
        "The grid's seed values must be whole numbers, got \"1.5\".",
        assertThrows(RecipeException.class, () -> GridAxis.parse("seed=1.5")).getMessage());
    assertEquals(GridAxis.Kind.GUIDANCE, GridAxis.Kind.of("CFG Scale"));
  }
}
