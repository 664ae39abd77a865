package dev.stepwise.app.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.explain.SamplerPlan;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.api.Test;

class SamplerExplanationTest {
  @Test
  void everySamplerHasItsOwnUpdateNamedLikeTheEngine() {
    java.util.Set<String> formulas = new java.util.HashSet<>();
    for (Sampler k : Sampler.values()) {
      SamplerExplanation e = SamplerExplanation.of(k, false);
      assertTrue(e.title().startsWith(k.displayName()), e.title());
      assertFalse(e.words().isBlank());
      assertTrue(formulas.add(e.formula()), "distinct formula for " + k);
      // Wrapped labels mis-draw lines holding combining marks (U+0300..U+036F), so words have none.
      assertTrue(e.words().chars().noneMatch(c -> c >= 0x300 && c <= 0x36f), e.words());
    }
    assertTrue(SamplerExplanation.of(Sampler.DDPM, false).source().contains("Algorithm 2"));
    assertTrue(SamplerExplanation.of(Sampler.DDIM, false).source().contains("eq. 12"));
    assertTrue(SamplerExplanation.of(Sampler.DPMPP_2M, true).formula().contains("ρ = 7"));
    assertFalse(
        SamplerExplanation.of(Sampler.DDIM, true).formula().contains("ρ"),
        "DDIM never uses Karras sigmas");
  }

  @Test
  void stepNumbersReadTheRealPlan() {
    SamplerPlan plan = SamplerPlan.of(SchedulerConfig.stableDiffusion(), Sampler.EULER, false, 4);
    String s = SamplerExplanation.stepNumbers(plan, 1);
    assertTrue(s.startsWith("Step 2 of 4: t = 666"), s); // linspace 999, 666, 333, 0
    assertTrue(s.contains(String.format(java.util.Locale.ROOT, "σ = %.4g", plan.sigma(1))), s);
    assertEquals(
        "No step selected: generate an image to follow its steps here.",
        SamplerExplanation.stepNumbers(plan, -1));
  }
}
