package dev.stepwise.engine.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.sampling.NoiseSchedule;
import dev.stepwise.engine.sampling.SchedulerConfig;
import org.junit.jupiter.api.Test;

class ForwardProcessTest {
  private static final NoiseSchedule SD = NoiseSchedule.of(SchedulerConfig.stableDiffusion());

  private static float[] ramp(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) Math.sin(i * 0.37) * 0.9f; // a signal in [-1, 1]
    }
    return x;
  }

  @Test
  void matchesTheClosedFormElementwise() {
    float[] x0 = ramp(1000);
    float[] eps = ForwardProcess.noise(7, 1000);
    double abar = SD.alphaCumprod(400);
    float[] xt = ForwardProcess.noised(x0, eps, abar);
    for (int i = 0; i < x0.length; i++) {
      double expected = Math.sqrt(abar) * x0[i] + Math.sqrt(1 - abar) * eps[i];
      assertEquals(expected, xt[i], 1e-6);
    }
  }

  @Test
  void timestepZeroIsAlmostTheImageAndAlphaBarOneIsExact() {
    float[] x0 = ramp(4096);
    float[] eps = ForwardProcess.noise(1, 4096);
    assertArrayEquals(x0, ForwardProcess.noised(x0, eps, 1.0), 0f);
    double abar0 = SD.alphaCumprod(0); // 1 - 0.00085
    float[] x = ForwardProcess.noised(x0, eps, abar0);
    double maxDiff = 0;
    for (int i = 0; i < x.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(x[i] - x0[i]));
    }
    // |x - x0| <= (1 - sqrt(abar0)) |x0| + sqrt(1 - abar0) |eps|, |eps| < 5 here
    assertTrue(maxDiff < (1 - Math.sqrt(abar0)) + Math.sqrt(1 - abar0) * 5, "max " + maxDiff);
    assertTrue(maxDiff > 0.01, "noise is really added at t = 0: " + maxDiff);
  }

  @Test
  void lastTimestepIsAlmostPureNoiseWithUnitVariance() {
    int n = 200_000;
    float[] x0 = new float[n];
    java.util.Arrays.fill(x0, 0.8f); // a bright flat image
    float[] eps = ForwardProcess.noise(3, n);
    double abar = SD.alphaCumprod(999);
    float[] x = ForwardProcess.noised(x0, eps, abar);
    double mean = 0;
    double corr = 0;
    for (int i = 0; i < n; i++) {
      mean += x[i];
      corr += (x[i] - eps[i]) * (x[i] - eps[i]);
    }
    mean /= n;
    double var = 0;
    for (float v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= n;
    // E[x_t] = sqrt(abar) x0, Var[x_t] = 1 - abar (Ho et al. eq. 4)
    assertEquals(Math.sqrt(abar) * 0.8, mean, 5 * Math.sqrt((1 - abar) / n) + 1e-6);
    assertEquals(1 - abar, var, 0.01);
    assertTrue(abar < 0.005, "SD's abar at t = 999 is " + abar);
    assertTrue(corr / n < 0.01, "x_999 is close to eps: " + corr / n);
  }

  @Test
  void meanAndVarianceAtAMiddleTimestep() {
    int n = 100_000;
    float[] x0 = new float[n];
    java.util.Arrays.fill(x0, -0.5f);
    double abar = SD.alphaCumprod(500);
    float[] x = ForwardProcess.noised(x0, ForwardProcess.noise(11, n), abar);
    double mean = 0;
    double sq = 0;
    for (float v : x) {
      mean += v;
      sq += v * (double) v;
    }
    mean /= n;
    double var = sq / n - mean * mean;
    assertEquals(-0.5 * Math.sqrt(abar), mean, 5 * Math.sqrt((1 - abar) / n));
    assertEquals(1 - abar, var, 0.02 * (1 - abar));
  }

  @Test
  void noiseIsFixedBySeed() {
    assertArrayEquals(ForwardProcess.noise(5, 64), ForwardProcess.noise(5, 64));
    assertTrue(ForwardProcess.noise(5, 64)[0] != ForwardProcess.noise(6, 64)[0]);
  }

  @Test
  void pixelConversionRoundTrips() {
    byte[] rgb = new byte[4 * 3 * 3];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = (byte) (i * 7);
    }
    RgbImage img = new RgbImage(4, 3, rgb);
    float[] chw = ForwardProcess.toSigned(img); // [3, 3, 4]
    assertEquals(-1f, ForwardProcess.toSigned(new RgbImage(1, 1, new byte[3]))[0]);
    assertEquals((rgb[3 * 5 + 1] & 0xff) / 127.5f - 1f, chw[12 + 5], 1e-7); // green, pixel 5
    assertArrayEquals(rgb, ForwardProcess.fromSigned(chw, 4, 3).rgb());
    assertArrayEquals(rgb, ForwardProcess.noisedImage(img, 1.0, 9).rgb());
  }

  @Test
  void fusedImagePathMatchesTheTwoStepForm() {
    int w = 37;
    int h = 23;
    float[] x0 = ramp(3 * w * h);
    float[] eps = ForwardProcess.noise(4, 3 * w * h);
    for (double abar : new double[] {1.0, 0.9991, 0.5, 0.1, 0.0047, 0.0}) {
      RgbImage slow = ForwardProcess.fromSigned(ForwardProcess.noised(x0, eps, abar), w, h);
      RgbImage fast = ForwardProcess.noisedRgb(x0, eps, abar, w, h);
      byte[] s = slow.rgb();
      byte[] f = fast.rgb();
      for (int i = 0; i < s.length; i++) {
        assertTrue(Math.abs((s[i] & 0xff) - (f[i] & 0xff)) <= 1, "abar " + abar + " at " + i);
      }
    }
  }

  @Test
  void refusesBadInput() {
    assertThrows(
        EngineException.class, () -> ForwardProcess.noised(new float[2], new float[3], 0.5));
    EngineException e =
        assertThrows(
            EngineException.class, () -> ForwardProcess.noised(new float[2], new float[2], 1.5));
    assertEquals("alpha-bar must be between 0 and 1, got 1.5.", e.getMessage());
  }
}
