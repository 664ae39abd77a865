package dev.stepwise.engine.sampling;

import static dev.stepwise.engine.sampling.SamplerOracleTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.random.NoiseSource;
import dev.stepwise.engine.random.TorchCpuGenerator;
import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Naive twins and closed forms for the parts the true-noise oracle cannot see. */
class SamplerTwinTest {
  private static final int N = 2 * 4 * 3 * 3;
  private static final SchedulerConfig SD = SchedulerConfig.stableDiffusion();
  private static final NoiseSchedule SCHEDULE = NoiseSchedule.of(SD);

  /** A smooth stand-in network whose output changes with input and timestep. */
  private static final ModelFunction WOBBLY =
      (z, t) -> {
        float[] out = new float[z.length];
        for (int k = 0; k < z.length; k++) {
          out[k] = (float) (0.7 * z[k] + 0.2 * Math.sin(0.01 * t + k));
        }
        return out;
      };

  private static Latents noise(long seed) {
    return new Latents(new TorchCpuGenerator(seed).randn(N), 2, 4, 3, 3);
  }

  /** A step-noise source that replays fixed blocks so the test can recompute the update. */
  private static final class Recorded implements NoiseSource {
    final TorchCpuGenerator g = new TorchCpuGenerator(99);
    float[] last;

    @Override
    public float[] next(int n) {
      last = g.randn(n);
      return last.clone();
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void dpmpp2mMatchesTheKDiffusionSigmaSpaceForm(boolean karras) {
    // k-diffusion sample_dpmpp_2m: x in sigma space, t = -log(sigma), h = t_next - t,
    // x' = (sn/s) x - expm1(-h) D, D = (1 + 1/(2r)) m - 1/(2r) m_prev, r = h_last / h;
    // first order on the first step and when sn = 0. The run keeps VP latents x_vp = x /
    // sqrt(s^2+1).
    SamplerSettings s =
        new SamplerSettings(Sampler.DPMPP_2M, 12, karras, null, 0, DdpmVariance.FIXED_LARGE);
    Latents start = noise(3);
    SamplingRun run = SamplingRun.start(SCHEDULE, SD, s, start, null);
    double[] sig = new double[13];
    for (int i = 0; i <= 12; i++) {
      sig[i] = run.sigmaBefore(i);
    }
    double[] ts = run.timesteps();
    double[] x = new double[N];
    for (int k = 0; k < N; k++) {
      x[k] = start.data()[k] * Math.sqrt(sig[0] * sig[0] + 1); // VP noise -> sigma space
    }
    double[] prevDenoised = null;
    for (int i = 0; i < 12; i++) {
      double cIn = 1 / Math.sqrt(sig[i] * sig[i] + 1);
      float[] in = new float[N];
      for (int k = 0; k < N; k++) {
        in[k] = (float) (x[k] * cIn);
      }
      float[] eps = WOBBLY.predict(in, ts[i]);
      double[] den = new double[N];
      for (int k = 0; k < N; k++) {
        den[k] = x[k] - sig[i] * eps[k];
      }
      double h = -Math.log(sig[i + 1]) + Math.log(sig[i]);
      for (int k = 0; k < N; k++) {
        double d = den[k];
        if (prevDenoised != null && sig[i + 1] > 0) {
          double r = (-Math.log(sig[i]) + Math.log(sig[i - 1])) / h;
          d = (1 + 1 / (2 * r)) * den[k] - (1 / (2 * r)) * prevDenoised[k];
        }
        x[k] = (sig[i + 1] / sig[i]) * x[k] - Math.expm1(-h) * d;
      }
      prevDenoised = den;
      run.step(WOBBLY);
      float[] got = run.latents().data();
      double scale = 1 / Math.sqrt(sig[i + 1] * sig[i + 1] + 1);
      float[] want = new float[N];
      for (int k = 0; k < N; k++) {
        want[k] = (float) (x[k] * scale);
      }
      assertClose(want, got, 1e-5, "step " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(DdpmVariance.class)
  void ddpmMeanIsHoAlgorithmTwoAndNoiseHasTheChosenVariance(DdpmVariance variance) {
    SamplerSettings s = new SamplerSettings(Sampler.DDPM, 10, false, null, 0, variance);
    Recorded z = new Recorded();
    SamplingRun run = SamplingRun.start(SCHEDULE, SD, s, noise(4), z);
    int[] ts = Timesteps.ddim(TimestepSpacing.LEADING, 10, 1000, 1);
    for (int i = 0; i < 10; i++) {
      float[] x = run.latents().data();
      float[] eps = WOBBLY.predict(x, ts[i]);
      StepResult r = run.step(WOBBLY);
      double a = SCHEDULE.alphaCumprod(ts[i]);
      double aPrev = i < 9 ? SCHEDULE.alphaCumprod(ts[i + 1]) : 1.0;
      double alphaT = a / aPrev;
      double betaT = 1 - alphaT;
      double var = variance == DdpmVariance.FIXED_LARGE ? betaT : (1 - aPrev) / (1 - a) * betaT;
      float[] want = new float[N];
      for (int k = 0; k < N; k++) {
        double mean = (x[k] - betaT / Math.sqrt(1 - a) * eps[k]) / Math.sqrt(alphaT); // Alg. 2
        want[k] = (float) (i < 9 ? mean + Math.sqrt(var) * z.last[k] : mean);
      }
      assertClose(want, r.xt().data(), 2e-5, "step " + i);
      if (i == 9) {
        assertClose(r.predictedX0().data(), r.xt().data(), 1e-6, "last step returns x0");
      }
    }
  }

  @Test
  void ddpmStridedBetaIsTheTrainedBetaAtFullLength() {
    SchedulerConfig cfg =
        new SchedulerConfig(
            1000,
            0.00085,
            0.012,
            BetaSchedule.SCALED_LINEAR,
            null,
            PredictionType.EPSILON,
            null,
            0,
            false,
            false);
    NoiseSchedule sched = NoiseSchedule.of(cfg);
    DdpmRun run =
        (DdpmRun)
            SamplingRun.start(
                sched,
                cfg,
                SamplerSettings.defaults(Sampler.DDPM, 1000),
                noise(5).copy().withData(new float[N]),
                n -> new float[n]);
    assertEquals(999.0, run.timesteps()[0], 0.0);
    for (int i = 0; i < 999; i++) {
      int t = 999 - i;
      assertEquals(sched.beta(t), run.coefficients(i)[1], 2e-7, "t=" + t);
    }
  }

  @Test
  void eulerAncestralSplitsTheVariance() {
    double[][] pairs = {{14.6, 10.2}, {1.0, 0.5}, {0.1, 0.03}, {3.0, 0.0}, {2.0, 2.0}};
    for (double[] p : pairs) {
      double[] ud = EulerAncestralRun.ancestralSplit(p[0], p[1]);
      assertEquals(p[1] * p[1], ud[0] * ud[0] + ud[1] * ud[1], 1e-12);
      assertTrue(ud[1] <= p[1] + 1e-15 && ud[0] >= 0);
      // k-diffusion get_ancestral_step with eta 1: up = min(sn, sqrt(sn^2 (s^2 - sn^2) / s^2))
      assertEquals(
          Math.sqrt(p[1] * p[1] * (p[0] * p[0] - p[1] * p[1]) / (p[0] * p[0])), ud[0], 1e-15);
    }
    assertEquals(0.0, EulerAncestralRun.ancestralSplit(3.0, 0.0)[0], 0.0);
  }

  @Test
  void eulerAncestralStepIsEulerToSigmaDownPlusFreshNoise() {
    float[] x0 = SamplerOracleTest.x0();
    float[] eps = SamplerOracleTest.eps();
    SamplerSettings s = SamplerSettings.defaults(Sampler.EULER_A, 8);
    Recorded z = new Recorded();
    SamplingRun probe =
        SamplingRun.start(SCHEDULE, SD, s, new Latents(new float[x0.length], 2, 4, 4, 4), z);
    double s0 = probe.sigmaBefore(0);
    float[] start = new float[x0.length];
    for (int k = 0; k < x0.length; k++) {
      start[k] = (float) ((x0[k] + s0 * eps[k]) / probe.initNoiseSigma());
    }
    SamplingRun run = SamplingRun.start(SCHEDULE, SD, s, new Latents(start, 2, 4, 4, 4), z);
    StepResult r = run.step(new TrueNoiseOracle(x0, eps, PredictionType.EPSILON));
    double[] ud = EulerAncestralRun.ancestralSplit(run.sigmaBefore(0), run.sigmaBefore(1));
    float[] want = new float[x0.length];
    for (int k = 0; k < x0.length; k++) {
      want[k] = (float) (x0[k] + ud[1] * eps[k] + ud[0] * z.last[k]);
    }
    assertClose(want, r.xt().data(), 2e-5, "euler a step");
  }

  @Test
  void ddimWithEtaOneAddsTheEquationSixteenNoise() {
    float[] x0 = SamplerOracleTest.x0();
    float[] eps = SamplerOracleTest.eps();
    SamplerSettings s =
        new SamplerSettings(Sampler.DDIM, 10, false, null, 1.0, DdpmVariance.FIXED_LARGE);
    Recorded z = new Recorded();
    double a = SCHEDULE.alphaCumprod(901);
    double aPrev = SCHEDULE.alphaCumprod(801);
    float[] start = new float[x0.length];
    for (int k = 0; k < x0.length; k++) {
      start[k] = (float) (Math.sqrt(a) * x0[k] + Math.sqrt(1 - a) * eps[k]);
    }
    SamplingRun run = SamplingRun.start(SCHEDULE, SD, s, new Latents(start, 2, 4, 4, 4), z);
    assertEquals(901.0, run.timesteps()[0], 0.0);
    StepResult r = run.step(new TrueNoiseOracle(x0, eps, PredictionType.EPSILON));
    double sigma = Math.sqrt((1 - aPrev) / (1 - a)) * Math.sqrt(1 - a / aPrev);
    float[] want = new float[x0.length];
    for (int k = 0; k < x0.length; k++) {
      want[k] =
          (float)
              (Math.sqrt(aPrev) * x0[k]
                  + Math.sqrt(1 - aPrev - sigma * sigma) * eps[k]
                  + sigma * z.last[k]);
    }
    assertClose(want, r.xt().data(), 1e-5, "ddim eta 1");
    assertTrue(sigma > 0.05);
  }
}
