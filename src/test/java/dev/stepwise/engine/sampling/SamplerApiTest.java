package dev.stepwise.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.random.BatchNoise;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.api.Test;

class SamplerApiTest {
  private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion();
  private static final NoiseSchedule SCHEDULE = NoiseSchedule.of(SD);

  @Test
  void samplerNamesParseBothWays() {
    for (Sampler k : Sampler.values()) {
      assertEquals(k, Sampler.parse(k.cliName()));
      assertEquals(k, Sampler.parse(k.displayName()));
      assertEquals(k, Sampler.parse(" " + k.displayName().toUpperCase() + " "));
    }
    assertEquals("euler_a", Sampler.EULER_A.cliName());
    assertEquals("Euler a", Sampler.EULER_A.displayName());
    assertEquals("DPM++ 2M", Sampler.DPMPP_2M.displayName());
    RecipeException e = assertThrows(RecipeException.class, () -> Sampler.parse("heun"));
    assertEquals(
        "Unknown sampler \"heun\"; use one of ddpm (\"DDPM\"), ddim (\"DDIM\"), euler (\"Euler\"),"
            + " euler_a (\"Euler a\"), dpmpp_2m (\"DPM++ 2M\").",
        e.getMessage());
  }

  @Test
  void settingsRefuseBadCombinations() {
    assertEquals(
        "Karras sigmas work with euler, euler_a and dpmpp_2m, not with ddim.",
        assertThrows(
                EngineException.class,
                () ->
                    new SamplerSettings(Sampler.DDIM, 20, true, null, 0, DdpmVariance.FIXED_LARGE))
            .getMessage());
    assertEquals(
        "eta applies only to ddim, got eta 0.5 with euler.",
        assertThrows(
                EngineException.class,
                () ->
                    new SamplerSettings(
                        Sampler.EULER, 20, false, null, 0.5, DdpmVariance.FIXED_LARGE))
            .getMessage());
    assertEquals(
        "eta must be between 0 and 1, got NaN.",
        assertThrows(
                EngineException.class,
                () ->
                    new SamplerSettings(
                        Sampler.DDIM, 20, false, null, Double.NaN, DdpmVariance.FIXED_LARGE))
            .getMessage());
    assertEquals(
        "steps must be at least 1, got 0",
        assertThrows(EngineException.class, () -> SamplerSettings.defaults(Sampler.EULER, 0))
            .getMessage());
    SamplerSettings d = SamplerSettings.defaults(Sampler.DDPM, 30);
    assertEquals(DdpmVariance.FIXED_LARGE, d.ddpmVariance());
    assertFalse(d.karras());
    assertEquals(0.0, d.eta());
  }

  @Test
  void startRefusesTooManyStepsAndMissingNoise() {
    Latents z = Latents.initialNoise(new SeedNoise(1), 4, 2, 2);
    assertEquals(
        "steps must be between 1 and 1000, got 1001",
        assertThrows(
                EngineException.class,
                () ->
                    SamplingRun.start(
                        SCHEDULE, SD, SamplerSettings.defaults(Sampler.EULER, 1001), z, null))
            .getMessage());
    assertEquals(
        "euler_a adds noise between steps and needs a step-noise source.",
        assertThrows(
                EngineException.class,
                () ->
                    SamplingRun.start(
                        SCHEDULE, SD, SamplerSettings.defaults(Sampler.EULER_A, 5), z, null))
            .getMessage());
  }

  @Test
  void dpmSolverRefusesRepeatedTimesteps() {
    Latents z = Latents.initialNoise(new SeedNoise(1), 4, 2, 2);
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                SamplingRun.start(
                    SCHEDULE, SD, SamplerSettings.defaults(Sampler.DPMPP_2M, 1000), z, null));
    assertTrue(
        e.getMessage()
            .startsWith("dpmpp_2m with linspace spacing and 1000 steps repeats timestep "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("; use fewer steps or another spacing."));
    SamplingRun ok =
        SamplingRun.start(SCHEDULE, SD, SamplerSettings.defaults(Sampler.DPMPP_2M, 500), z, null);
    assertEquals(500, ok.totalSteps());
  }

  @Test
  void runStepsOneAtATimeAndStops() {
    Latents z = Latents.initialNoise(new SeedNoise(5), 4, 2, 2);
    float[] before = z.data().clone();
    SamplingRun run =
        SamplingRun.start(SCHEDULE, SD, SamplerSettings.defaults(Sampler.EULER, 3), z, null);
    assertArrayEquals(before, z.data(), "start must not modify the caller's noise");
    assertEquals(3, run.totalSteps());
    assertEquals((float) SCHEDULE.sigmaMax(), run.initNoiseSigma(), 1e-6);
    assertEquals((float) (z.data()[0] * run.initNoiseSigma()), run.latents().data()[0], 0.0);
    double[] seen = new double[3];
    int i = 0;
    while (run.hasNext()) {
      StepResult r = run.step((x, t) -> new float[x.length]);
      assertEquals(i, r.index());
      seen[i++] = r.timestep();
    }
    assertArrayEquals(run.timesteps(), seen);
    assertEquals(3, run.nextIndex());
    assertEquals(
        "The sampling run has already taken all 3 steps.",
        assertThrows(EngineException.class, () -> run.step((x, t) -> new float[x.length]))
            .getMessage());
    SamplingRun other =
        SamplingRun.start(SCHEDULE, SD, SamplerSettings.defaults(Sampler.DDIM, 3), z, null);
    assertEquals(
        "The model returned 3 values for latents of 16 values.",
        assertThrows(EngineException.class, () -> other.step((x, t) -> new float[3])).getMessage());
    assertEquals(0, other.nextIndex(), "a failed step leaves the run where it was");
  }

  @Test
  void ancestralRunsAreBitReproducibleFromTheSeed() {
    for (Sampler k : new Sampler[] {Sampler.EULER_A, Sampler.DDPM}) {
      float[] a = runWithSeed(k, 42);
      float[] b = runWithSeed(k, 42);
      assertEquals(a.length, b.length);
      for (int i = 0; i < a.length; i++) {
        assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]));
      }
      assertNotEquals(a[0], runWithSeed(k, 43)[0]);
    }
  }

  @Test
  void imageOfABatchEqualsTheSingleImageRunWithSeedPlusI() {
    float[] batch = runWithSeed(Sampler.EULER_A, 100, 3);
    float[] single = runWithSeed(Sampler.EULER_A, 102, 1);
    int per = single.length;
    for (int k = 0; k < per; k++) {
      assertEquals(Float.floatToRawIntBits(single[k]), Float.floatToRawIntBits(batch[2 * per + k]));
    }
  }

  private static float[] runWithSeed(Sampler kind, long seed) {
    return runWithSeed(kind, seed, 2);
  }

  private static float[] runWithSeed(Sampler kind, long seed, int batch) {
    BatchNoise noise = new BatchNoise(seed, batch, 4 * 3 * 5); // initial noise, then step noise
    Latents z = new Latents(noise.next(batch * 4 * 3 * 5), batch, 4, 3, 5);
    SamplingRun run = SamplingRun.start(SCHEDULE, SD, SamplerSettings.defaults(kind, 6), z, noise);
    while (run.hasNext()) {
      // per-element model, so image i's output depends only on image i
      run.step(
          (x, t) -> {
            float[] out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
              out[i] = (float) (0.5 * x[i] + 1e-3 * t);
            }
            return out;
          });
    }
    float[] out = run.latents().data();
    assertTrue(Float.isFinite(out[0]));
    return out;
  }

  @Test
  void guidanceCombinesAndSkipsTheUnconditionalPassAtOneOrBelow() {
    float[] u = {1f, -2f, 0.5f};
    float[] c = {3f, -1f, 0.5f};
    float[] g = Guidance.combine(u, c, 7.5);
    assertArrayEquals(new float[] {1 + 7.5f * 2, -2 + 7.5f, 0.5f}, g, 1e-6f);
    assertArrayEquals(c, Guidance.combine(u, c, 1.0), 0f);
    assertArrayEquals(u, Guidance.combine(u, c, 0.0), 0f);
    assertTrue(Guidance.needsUnconditional(1.0001));
    assertFalse(Guidance.needsUnconditional(1.0));
    assertFalse(Guidance.needsUnconditional(0.0));
    for (double bad : new double[] {Double.NaN, -0.5, Double.POSITIVE_INFINITY}) {
      EngineException e = assertThrows(EngineException.class, () -> Guidance.combine(u, c, bad));
      assertEquals(
          "The guidance scale must be a finite number of at least 0, got " + bad + ".",
          e.getMessage());
      assertThrows(EngineException.class, () -> Guidance.needsUnconditional(bad));
    }
    assertEquals(
        "Guidance needs unconditional and conditional outputs of the same length, got 3 and 2.",
        assertThrows(EngineException.class, () -> Guidance.combine(u, new float[2], 2))
            .getMessage());
  }

  @Test
  void latentsValidateTheirShapeAndCopyDeeply() {
    assertEquals(
        "Latents of shape [1, 4, 2, 2] need 16 values, got 15.",
        assertThrows(EngineException.class, () -> new Latents(new float[15], 1, 4, 2, 2))
            .getMessage());
    assertEquals(
        "Latent shape must be positive in every dimension, got [0, 4, 2, 2].",
        assertThrows(EngineException.class, () -> new Latents(new float[0], 0, 4, 2, 2))
            .getMessage());
    assertEquals(
        "Latent shape must be positive in every dimension, got [1, 4, -2, 2].",
        assertThrows(EngineException.class, () -> Latents.initialNoise(new SeedNoise(1), 4, -2, 2))
            .getMessage());
    Latents l = new Latents(new float[16], 1, 4, 2, 2);
    Latents c = l.copy();
    c.data()[0] = 5;
    assertEquals(0f, l.data()[0]);
    assertEquals(16, l.perImage());
  }
}
