package dev.stepwise.engine.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.sampling.TimestepSpacing;
import dev.stepwise.engine.sampling.Timesteps;
import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.api.Test;

class ScheduleCurvesTest {
  private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion();

  @Test
  void curvesAreTheSchedulesValues() {
    ScheduleCurves c = ScheduleCurves.of(SD);
    NoiseSchedule s = NoiseSchedule.of(SD);
    assertEquals(1000, c.size());
    // closed form of scaled_linear in double: beta_i = (sqrt(b0) + i/(T-1) (sqrt(b1) - sqrt(b0)))^2
    double running = 1;
    for (int t = 0; t < 1000; t++) {
      double root = Math.sqrt(0.00085) + t / 999.0 * (Math.sqrt(0.012) - Math.sqrt(0.00085));
      running *= 1 - root * root;
      assertEquals(s.alphaCumprod(t), c.alphaBar(t), 0.0);
      assertEquals(running, c.alphaBar(t), 2e-5 * running + 1e-7, "t=" + t);
      double sigma = s.sigma(t);
      assertEquals(-2 * Math.log10(sigma), c.log10Snr(t), 1e-5, "SNR = 1 / sigma^2 at t=" + t);
    }
    for (int t = 1; t < 1000; t++) {
      assertTrue(c.alphaBar(t) < c.alphaBar(t - 1));
      assertTrue(c.log10Snr(t) < c.log10Snr(t - 1));
    }
    assertEquals(c.alphaBar(250), c.alphaBarAt(250.0), 1e-6);
    double mid = c.alphaBarAt(250.5);
    assertTrue(mid < c.alphaBar(250) && mid > c.alphaBar(251));
  }

  @Test
  void samplerPlansMatchTheEngineTimesteps() {
    SamplerPlan ddim = SamplerPlan.of(SD, Sampler.DDIM, false, 20);
    int[] expected = Timesteps.ddim(TimestepSpacing.LEADING, 20, 1000, 1);
    assertEquals(20, ddim.steps());
    for (int i = 0; i < 20; i++) {
      assertEquals(expected[i], ddim.timestep(i), 0.0);
    }
    assertEquals(951, ddim.timestep(0), 0.0);
    NoiseSchedule s = NoiseSchedule.of(SD);
    assertEquals(s.alphaCumprod(951), ddim.alphaBar(0), 1e-9);

    SamplerPlan euler = SamplerPlan.of(SD, Sampler.EULER, false, 10);
    assertArrayEquals(Timesteps.euler(TimestepSpacing.LINSPACE, 10, 1000, 1), euler.timesteps());
    assertEquals(0.0, euler.sigma(10), 0.0);

    SamplerPlan karras = SamplerPlan.of(SD, Sampler.DPMPP_2M, true, 10);
    assertTrue(karras.karras());
    double[] k = NoiseSchedule.karrasSigmas(10, karras.sigma(9), karras.sigma(0));
    for (int i = 0; i < 10; i++) {
      assertEquals(k[i], karras.sigma(i), 1e-5 * k[i]);
    }
    assertTrue(!SamplerPlan.of(SD, Sampler.DDIM, true, 10).karras(), "DDIM ignores Karras");
  }
}
