package dev.stepwise.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.random.NoiseSource;
import dev.stepwise.engine.random.TorchCpuGenerator;
import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Closed-form checks: with the true noise, DDIM (eta 0), Euler and DPM++ 2M stay exactly on the
 * path {@code x = alpha x0 + sigma eps} (each update is exact for a constant true eps, see the
 * class docs of the runs), so every step predicts x0 and the run ends on x0. (DDIM keeps this only
 * where diffusers' {@code t - T // N} is the next listed timestep: leading spacing, and trailing
 * when N divides T; see DdimRun.)
 *
 * <p>Tolerance: the state is stored as float32 after every step. In sigma space |x| reaches about
 * sigma_max * max|eps| = 14.6 * 3.5 = 51, whose float32 spacing is 3.8e-6, and x0 = x - sigma eps
 * inherits that; 2e-5 leaves room for a few such roundings. VP samplers stay below 1e-5.
 */
class SamplerOracleTest {
  private static final int B = 2;
  private static final int C = 4;
  private static final int H = 4;
  private static final int W = 4;

  static float[] x0() {
    float[] x = new TorchCpuGenerator(7).randn(B * C * H * W);
    for (int k = 0; k < x.length; k++) {
      x[k] *= 0.8f; // SD latents times 0.18215 have roughly unit scale
    }
    return x;
  }

  static float[] eps() {
    return new TorchCpuGenerator(8).randn(B * C * H * W);
  }

  static Arguments[] cases() {
    return new Arguments[] {
      Arguments.of(Sampler.DDIM, 1, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.DDIM, 7, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.DDIM, 50, false, TimestepSpacing.TRAILING, PredictionType.EPSILON),
      Arguments.of(Sampler.DDIM, 13, false, TimestepSpacing.LEADING, PredictionType.V_PREDICTION),
      Arguments.of(Sampler.DDIM, 50, false, null, PredictionType.V_PREDICTION),
      Arguments.of(Sampler.EULER, 1, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.EULER, 20, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.EULER, 20, false, TimestepSpacing.LEADING, PredictionType.EPSILON),
      Arguments.of(Sampler.EULER, 30, true, null, PredictionType.EPSILON),
      Arguments.of(Sampler.EULER, 25, false, TimestepSpacing.TRAILING, PredictionType.V_PREDICTION),
      Arguments.of(Sampler.EULER, 25, true, null, PredictionType.V_PREDICTION),
      Arguments.of(Sampler.DPMPP_2M, 1, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.DPMPP_2M, 2, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.DPMPP_2M, 20, false, null, PredictionType.EPSILON),
      Arguments.of(Sampler.DPMPP_2M, 20, true, null, PredictionType.EPSILON),
      Arguments.of(
          Sampler.DPMPP_2M, 30, false, TimestepSpacing.LEADING, PredictionType.V_PREDICTION),
      Arguments.of(Sampler.DPMPP_2M, 30, true, null, PredictionType.V_PREDICTION),
    };
  }

  @ParameterizedTest
  @MethodSource("cases")
  void trueNoiseOracleRecoversX0(
      Sampler kind, int steps, boolean karras, TimestepSpacing spacing, PredictionType type) {
    for (boolean alphaToOne : new boolean[] {false, true}) {
      SchedulerConfig cfg =
          new SchedulerConfig(
              1000,
              0.00085,
              0.012,
              BetaSchedule.SCALED_LINEAR,
              null,
              type,
              null,
              1,
              alphaToOne,
              false);
      NoiseSchedule schedule = NoiseSchedule.of(cfg);
      SamplerSettings s =
          new SamplerSettings(kind, steps, karras, spacing, 0.0, DdpmVariance.FIXED_LARGE);
      float[] x0 = x0();
      float[] eps = eps();
      // Probe run to learn the first noise level and init_noise_sigma, then start on the path.
      SamplingRun probe =
          SamplingRun.start(schedule, cfg, s, new Latents(new float[x0.length], B, C, H, W), null);
      double sigma0 = probe.sigmaBefore(0);
      double init = probe.initNoiseSigma();
      boolean ve = kind == Sampler.EULER;
      double alpha0 = 1 / Math.sqrt(sigma0 * sigma0 + 1);
      float[] start = new float[x0.length];
      for (int k = 0; k < x0.length; k++) {
        double onPath = ve ? x0[k] + sigma0 * eps[k] : alpha0 * x0[k] + alpha0 * sigma0 * eps[k];
        start[k] = (float) (onPath / init);
      }
      SamplingRun run = SamplingRun.start(schedule, cfg, s, new Latents(start, B, C, H, W), null);
      TrueNoiseOracle oracle = new TrueNoiseOracle(x0, eps, type);
      double tol = ve ? 2e-5 : 1e-5;
      while (run.hasNext()) {
        StepResult r = run.step(oracle);
        assertClose(x0, r.predictedX0().data(), tol, kind + " x0 at step " + r.index());
        assertClose(eps, r.predictedNoise().data(), 1e-4, kind + " eps at step " + r.index());
        assertEquals(run.sigmaBefore(r.index()), r.sigma(), 0.0);
      }
      assertEquals(steps, oracle.calls);
      float[] expectedEnd = new float[x0.length];
      double sEnd = run.sigmaBefore(steps);
      double aEnd = 1 / Math.sqrt(sEnd * sEnd + 1);
      for (int k = 0; k < x0.length; k++) {
        expectedEnd[k] = (float) (aEnd * x0[k] + aEnd * sEnd * eps[k]);
      }
      if (kind != Sampler.DDIM || alphaToOne) {
        assertEquals(0.0, sEnd, 0.0);
      }
      assertClose(expectedEnd, run.latents().data(), tol, kind + " final latents");
    }
  }

  static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length);
    double worst = 0;
    for (int k = 0; k < expected.length; k++) {
      worst = Math.max(worst, Math.abs(expected[k] - actual[k]));
    }
    assertTrue(worst <= tol, what + ": max error " + worst + " > " + tol);
  }

  static NoiseSource zeros() {
    return n -> new float[n];
  }

  @ParameterizedTest
  @MethodSource("cases")
  void wrongModelStillDoesNotRecoverX0(
      Sampler kind, int steps, boolean karras, TimestepSpacing spacing, PredictionType type) {
    // Guard against a vacuous oracle test: a model that returns zeros must not land on x0.
    SchedulerConfig cfg = SchedulerConfig.stableDiffusion().withPredictionType(type);
    SamplerSettings s =
        new SamplerSettings(kind, steps, karras, spacing, 0.0, DdpmVariance.FIXED_LARGE);
    float[] x0 = x0();
    SamplingRun run =
        SamplingRun.start(NoiseSchedule.of(cfg), cfg, s, new Latents(eps(), B, C, H, W), null);
    while (run.hasNext()) {
      run.step((z, t) -> new float[z.length]);
    }
    float[] end = run.latents().data();
    double worst = 0;
    for (int k = 0; k < end.length; k++) {
      worst = Math.max(worst, Math.abs(end[k] - x0[k]));
    }
    assertFalse(worst < 1e-2);
  }
}
