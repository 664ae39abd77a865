package dev.stepwise.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {
  private static final NoiseSchedule SD = NoiseSchedule.of(SchedulerConfig.stableDiffusion());

  @Test
  void stableDiffusionEndpointsMatchThePrintedValues() {
    // SD 1.x scaled_linear betas 0.00085..0.012 over 1000 steps: abar[0]=0.99915,
    // abar[999]=0.0046601, sigma 0.029167..14.6146
    assertEquals(0.99915, SD.alphaCumprod(0), 5e-6);
    assertEquals(0.0046601, SD.alphaCumprod(999), 5e-8);
    assertEquals(0.029167, SD.sigmaMin(), 1e-6); // 0.02916753..., printed truncated
    assertEquals(14.6146, SD.sigmaMax(), 5e-5);
    assertEquals(1000, SD.size());
  }

  @Test
  void betasCumprodAndSigmasEqualTorchBitForBit() throws Exception {
    JsonObject ref;
    try (InputStream in =
        new java.util.zip.GZIPInputStream(
            getClass().getResourceAsStream("schedule_reference.json.gz"))) {
      ref =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonObject();
    }
    int cases = 0;
    for (JsonElement e : ref.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      JsonObject cfgJson = new JsonObject();
      cfgJson.add("beta_start", c.get("beta_start"));
      cfgJson.add("beta_end", c.get("beta_end"));
      cfgJson.add("beta_schedule", c.get("beta_schedule"));
      cfgJson.add("num_train_timesteps", c.get("num_train_timesteps"));
      NoiseSchedule s = NoiseSchedule.of(SchedulerConfig.fromJson(cfgJson));
      String name = c.get("name").getAsString();
      int[] betas = bits(c.getAsJsonArray("betas"));
      int[] abar = bits(c.getAsJsonArray("alphas_cumprod"));
      int[] sig = bits(c.getAsJsonArray("sigmas"));
      int[] gotBetas = new int[s.size()];
      int[] gotAbar = new int[s.size()];
      int[] gotSig = new int[s.size()];
      for (int t = 0; t < s.size(); t++) {
        gotBetas[t] = Float.floatToRawIntBits(s.beta(t));
        gotAbar[t] = Float.floatToRawIntBits((float) s.alphaCumprod(t));
        gotSig[t] = Float.floatToRawIntBits((float) s.sigma(t));
        assertEquals(s.alphaCumprod(t), (float) s.alphaCumprod(t), 0.0, "abar is a float32 value");
      }
      assertArrayEquals(betas, gotBetas, name + " betas");
      assertArrayEquals(abar, gotAbar, name + " alphas_cumprod");
      assertArrayEquals(sig, gotSig, name + " sigmas");
      cases++;
    }
    assertEquals(5, cases);
  }

  private static int[] bits(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Integer.parseUnsignedInt(a.get(i).getAsString(), 16);
    }
    return out;
  }

  @Test
  void sigmaAtInterpolatesLinearlyAndClamps() {
    assertEquals(SD.sigma(10), SD.sigmaAt(10.0), 0.0);
    double mid = SD.sigma(10) + 0.25 * (SD.sigma(11) - SD.sigma(10));
    assertEquals(mid, SD.sigmaAt(10.25), 1e-15);
    assertEquals(SD.sigmaMin(), SD.sigmaAt(-3), 0.0);
    assertEquals(SD.sigmaMax(), SD.sigmaAt(2000), 0.0);
    assertEquals(SD.sigmaMax(), SD.sigmaAt(999), 0.0);
  }

  @Test
  void timestepForSigmaInvertsTheLogInterpolation() {
    for (int t : new int[] {0, 1, 17, 500, 998, 999}) {
      assertEquals(t, SD.timestepForSigma(SD.sigma(t)), 1e-4, "t=" + t);
    }
    // Between two training sigmas the result is linear in log sigma.
    double lo = Math.log(SD.sigma(300));
    double hi = Math.log(SD.sigma(301));
    double sigma = Math.exp(lo + 0.3 * (hi - lo));
    assertEquals(300.3, SD.timestepForSigma(sigma), 1e-4);
    assertEquals(0.0, SD.timestepForSigma(1e-6), 0.0);
    assertEquals(999.0, SD.timestepForSigma(100.0), 0.0);
  }

  @Test
  void karrasSigmasFollowRhoSevenBetweenTheEndpoints() {
    double[] k = NoiseSchedule.karrasSigmas(10, SD.sigmaMin(), SD.sigmaMax());
    assertEquals(SD.sigmaMax(), k[0], 1e-12);
    assertEquals(SD.sigmaMin(), k[9], 1e-12);
    for (int i = 0; i < 10; i++) {
      double root =
          Math.pow(SD.sigmaMax(), 1 / 7.0)
              + i / 9.0 * (Math.pow(SD.sigmaMin(), 1 / 7.0) - Math.pow(SD.sigmaMax(), 1 / 7.0));
      assertEquals(Math.pow(root, 7), k[i], 1e-12 * k[i]);
      if (i > 0) {
        assertTrue(k[i] < k[i - 1]);
      }
    }
  }
}
