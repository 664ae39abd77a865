package dev.stepwise.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stepwise.engine.EngineException;
import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Expected arrays were printed by numpy running the upstream set_timesteps formulas. */
class TimestepsTest {
  private static final NoiseSchedule SD = NoiseSchedule.of(SchedulerConfig.stableDiffusion());

  private static int[] arithmetic(int first, int step, int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = first - i * step;
    }
    return out;
  }

  @Test
  void leadingWithOffsetOne() {
    assertArrayEquals(
        arithmetic(981, 20, 50), Timesteps.ddim(TimestepSpacing.LEADING, 50, 1000, 1));
  }

  @Test
  void trailing() {
    assertArrayEquals(
        arithmetic(999, 20, 50), Timesteps.ddim(TimestepSpacing.TRAILING, 50, 1000, 1));
    // Half-way cases round to even as numpy does (937.5 -> 938 - 1, 812.5 -> 812 - 1).
    assertArrayEquals(
        new int[] {999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61},
        Timesteps.ddim(TimestepSpacing.TRAILING, 16, 1000, 0));
    assertArrayEquals(
        new int[] {999, 856, 713, 570, 428, 285, 142},
        Timesteps.ddim(TimestepSpacing.TRAILING, 7, 1000, 0));
  }

  @Test
  void trailingAlwaysHasExactlyNStepsEvenWhereNumpyAddsOne() {
    int[] t = Timesteps.ddim(TimestepSpacing.TRAILING, 61, 1000, 0);
    assertEquals(61, t.length);
    assertEquals(999, t[0]);
    assertEquals(15, t[60]); // round(1000 - 60 * 1000/61) - 1 = round(16.39) - 1
  }

  @Test
  void ddimLinspaceRounds() {
    assertArrayEquals(
        new int[] {
          999, 979, 958, 938, 917, 897, 877, 856, 836, 816, 795, 775, 754, 734, 714, 693, 673, 652,
          632, 612, 591, 571, 550, 530, 510, 489, 469, 449, 428, 408, 387, 367, 347, 326, 306, 285,
          265, 245, 224, 204, 183, 163, 143, 122, 102, 82, 61, 41, 20, 0
        },
        Timesteps.ddim(TimestepSpacing.LINSPACE, 50, 1000, 1));
    assertArrayEquals(
        new int[] {999, 832, 666, 500, 333, 166, 0},
        Timesteps.ddim(TimestepSpacing.LINSPACE, 7, 1000, 0));
  }

  @Test
  void eulerLinspaceKeepsFloat32Values() {
    double[] t = Timesteps.euler(TimestepSpacing.LINSPACE, 50, 1000, 1);
    assertEquals(50, t.length);
    assertEquals(999.0, t[0], 0.0);
    assertEquals(978.6122436523438, t[1], 0.0);
    assertEquals(958.2244873046875, t[2], 0.0);
    assertEquals(937.8367309570312, t[3], 0.0);
    assertEquals(0.0, t[49], 0.0);
    double[] lead = Timesteps.euler(TimestepSpacing.LEADING, 50, 1000, 1);
    assertEquals(981.0, lead[0], 0.0);
    assertEquals(1.0, lead[49], 0.0);
  }

  @Test
  void dpmSolverTakesNPlusOnePointsAndDropsTheLast() {
    assertArrayEquals(
        new int[] {
          999, 979, 959, 939, 919, 899, 879, 859, 839, 819, 799, 779, 759, 739, 719, 699, 679, 659,
          639, 619, 599, 579, 559, 539, 519, 500, 480, 460, 440, 420, 400, 380, 360, 340, 320, 300,
          280, 260, 240, 220, 200, 180, 160, 140, 120, 100, 80, 60, 40, 20
        },
        Timesteps.dpmSolver(TimestepSpacing.LINSPACE, 50, 1000, 0));
    assertArrayEquals(
        new int[] {
          941, 894, 847, 800, 753, 706, 659, 612, 565, 518, 471, 424, 377, 330, 283, 236, 189, 142,
          95, 48
        },
        Timesteps.dpmSolver(TimestepSpacing.LEADING, 20, 1000, 1));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1001})
  void stepsOutsideOneToTAreRefused(int steps) {
    EngineException e =
        assertThrows(
            EngineException.class, () -> Timesteps.ddim(TimestepSpacing.LEADING, steps, 1000, 1));
    assertEquals("steps must be between 1 and 1000, got " + steps, e.getMessage());
  }

  @Test
  void leadingSpacingThatRunsPastTheLastTimestepIsRefused() {
    EngineException e =
        assertThrows(
            EngineException.class, () -> Timesteps.ddim(TimestepSpacing.LEADING, 1000, 1000, 1));
    assertEquals(
        "leading spacing with 1000 steps gives timestep 1000, outside 0..999; use fewer steps or"
            + " another spacing.",
        e.getMessage());
  }

  @Test
  void eulerSigmasFollowTheTimestepsAndEndAtZero() {
    SamplerSettings s = SamplerSettings.defaults(Sampler.EULER, 50);
    EulerSchedule e =
        EulerSchedule.build(SD, SchedulerConfig.stableDiffusion(), s, TimestepSpacing.LINSPACE);
    assertEquals(51, e.sigmas().length);
    assertEquals((float) SD.sigmaMax(), e.sigmas()[0], 0.0);
    assertEquals((float) SD.sigmaAt(978.6122436523438), e.sigmas()[1], 0.0);
    assertEquals((float) SD.sigmaMin(), e.sigmas()[49], 0.0);
    assertEquals(0.0, e.sigmas()[50], 0.0);
    assertEquals(e.sigmas()[0], e.initNoiseSigma(), 0.0); // linspace: sigma_max itself
    EulerSchedule lead =
        EulerSchedule.build(SD, SchedulerConfig.stableDiffusion(), s, TimestepSpacing.LEADING);
    double smax = lead.sigmas()[0];
    assertEquals(Math.sqrt(smax * smax + 1), lead.initNoiseSigma(), 1e-12);
  }

  @Test
  void karrasSigmaArraysRunFromSigmaMaxToSigmaMinThenZero() {
    SamplerSettings s =
        new SamplerSettings(Sampler.EULER, 20, true, null, 0, DdpmVariance.FIXED_LARGE);
    EulerSchedule e =
        EulerSchedule.build(SD, SchedulerConfig.stableDiffusion(), s, TimestepSpacing.LINSPACE);
    assertEquals(14.6146, e.sigmas()[0], 5e-5);
    assertEquals(0.029167, e.sigmas()[19], 1e-6);
    assertEquals(0.0, e.sigmas()[20], 0.0);
    assertEquals(999.0, e.timesteps()[0], 1e-3);
    assertEquals(0.0, e.timesteps()[19], 1e-3);
    for (int i = 1; i < 20; i++) {
      assertEquals((float) e.timesteps()[i], e.timesteps()[i], 0.0, "float32 timesteps");
      double expected =
          (float)
              SD.timestepForSigma(NoiseSchedule.karrasSigmas(20, SD.sigmaMin(), SD.sigmaMax())[i]);
      assertEquals(expected, e.timesteps()[i], 1e-3);
    }
  }
}
