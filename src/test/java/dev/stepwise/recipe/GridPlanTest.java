package dev.stepwise.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stepwise.recipe.GridPlan.Axis;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GridPlanTest {
  private static final Settings BASE =
      new Settings("a red heart", "red", Sampler.EULER_A, true, 0, 20, 5, 42, 64, 64, 2, 9, .1);

  private static GridPlan plan(String... axes) {
    return GridPlan.of(Stream.of(axes).map(Axis::parse).toList());
  }

  @Test
  void cellsRunXFastestAndKeepTheRest() {
    GridPlan p = plan("guidance=1, 7.5", "sampler=ddim,Euler a");
    List<Settings> c = p.cells(BASE);
    assertEquals(List.of(1.0, 7.5, 1.0, 7.5), c.stream().map(Settings::guidance).toList());
    assertEquals(List.of(false, false, true, true), c.stream().map(Settings::karras).toList());
    assertEquals(
        List.of(42L, 2, 9L, 64),
        List.of(c.get(3).seed(), c.get(3).clipSkip(), c.get(3).variationSeed(), c.get(3).width()));
    assertEquals(List.of("CFG Scale: 1.0", "Euler a"), List.of(p.columnLabel(0), p.rowLabel(1)));
    assertEquals(
        "{Script=X/Y/Z plot, X Type=CFG Scale, X Values=1,7.5, Y Type=Sampler, Y Values=DDIM,Euler"
            + " a}",
        p.parameters().toString());
    Axis a = Axis.parse("prompt=red, \"blue, green\",\"say \"\"hi\"\"\"");
    assertEquals(List.of("red", "blue, green", "say \"hi\""), a.values());
    assertEquals(
        List.of("a blue, green heart", "blue, green"),
        List.of(a.apply(BASE, 1).prompt(), a.apply(BASE, 1).negativePrompt()));
    assertEquals("red,\"blue, green\",\"say \"\"hi\"\"\"", a.valuesText());
    assertEquals(
        List.of(1L, 2L, 1L, 2L),
        plan("seed=1,2", "steps=4,8").cells(BASE).stream().map(Settings::seed).toList());
  }

  @Test
  void badAxesAreOneSentenceEach() {
    String[][] cases = {
      {
        "prompt=cat,dog",
        "The grid's prompt values replace their first value, \"cat\", which is in neither the"
            + " prompt nor the negative prompt."
      },
      {"guidance=1,31", "The grid's guidance values must be numbers from 0 to 30, got \"31\"."},
      {"steps=1,,2", "The grid's steps values must be whole numbers from 1 to 10000, got \"\"."},
      {"seed=1.5", "The grid's seed values must be whole numbers, got \"1.5\"."},
      {
        "sampler=plms",
        "The grid's sampler values must be ddpm, ddim, euler, euler_a or dpmpp_2m, got \"plms\"."
      },
      {"cfg=1", "A grid axis is one of guidance, steps, sampler, seed or prompt, got \"cfg\"."},
      {
        "steps",
        "A grid axis is written NAME=VALUE,VALUE,... such as guidance=1,3,5,7.5, got \"steps\"."
      },
      {"steps=1;steps=2", "The grid has two steps axes; give each setting once."},
      {"steps=1;seed=1;guidance=1", "A grid has one or two axes (X across, Y down), got 3."},
      {
        "seed=" + "1,".repeat(29) + "1;steps=" + "1,".repeat(9) + "1",
        "A grid makes at most 256 images."
      }
    };
    for (String[] c : cases) {
      assertEquals(
          c[1],
          assertThrows(RecipeException.class, () -> plan(c[0].split(";")).cells(BASE))
              .getMessage());
    }
  }
}
