package dev.stepwise.engine.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link TorchCpuGenerator} with values torch 1.13.1 produced (see
 * make_torch_randn_reference.py next to the JSON); the comparison is on exact float bits.
 */
class TorchCpuGeneratorTest {

  private static JsonObject reference() throws Exception {
    try (InputStream in =
        TorchCpuGeneratorTest.class.getResourceAsStream("torch_randn_reference.json")) {
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .getAsJsonObject();
    }
  }

  private static int[] bitsOf(JsonArray hex) {
    int[] out = new int[hex.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Integer.parseUnsignedInt(hex.get(i).getAsString(), 16);
    }
    return out;
  }

  private static int[] bitsOf(float[] values, int from, int to) {
    int[] out = new int[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = Float.floatToRawIntBits(values[i]);
    }
    return out;
  }

  @Test
  void matchesTorchBitForBit() throws Exception {
    int casesChecked = 0;
    long valuesChecked = 0;
    for (JsonElement e : reference().getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      long seed = new BigInteger(c.get("seed").getAsString()).longValue(); // two's complement wrap
      TorchCpuGenerator g = new TorchCpuGenerator(seed);
      int call = 0;
      for (JsonElement ce : c.getAsJsonArray("calls")) {
        JsonObject expected = ce.getAsJsonObject();
        int n = expected.get("n").getAsInt();
        float[] got = g.randn(n);
        String where = "seed " + c.get("seed").getAsString() + " call " + call + " n " + n;
        if (expected.has("bits")) {
          assertArrayEquals(bitsOf(expected.getAsJsonArray("bits")), bitsOf(got, 0, n), where);
        } else {
          assertArrayEquals(bitsOf(expected.getAsJsonArray("head")), bitsOf(got, 0, 8), where);
          assertArrayEquals(bitsOf(expected.getAsJsonArray("tail")), bitsOf(got, n - 8, n), where);
          ByteBuffer bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
          for (float v : got) {
            bytes.putFloat(v);
          }
          String sha =
              HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
          assertEquals(expected.get("sha256").getAsString(), sha, where);
        }
        valuesChecked += n;
        call++;
      }
      casesChecked++;
    }
    assertTrue(casesChecked >= 15 && valuesChecked > 30000, "reference file looks truncated");
  }

  @Test
  void twoRunsAreBitIdenticalAndSeedsDiffer() {
    float[] a = new TorchCpuGenerator(2024).randn(4 * 16 * 16 + 5);
    float[] b = new TorchCpuGenerator(2024).randn(4 * 16 * 16 + 5);
    assertArrayEquals(bitsOf(a, 0, a.length), bitsOf(b, 0, b.length));
    float[] c = new TorchCpuGenerator(2025).randn(a.length);
    assertNotEquals(Float.floatToRawIntBits(a[0]), Float.floatToRawIntBits(c[0]));
  }

  @Test
  void onlyTheLow32BitsOfTheSeedMatterAsInTorch() {
    long seed = 77;
    float[] a = new TorchCpuGenerator(seed).randn(40);
    float[] b = new TorchCpuGenerator(seed + (5L << 32)).randn(40);
    assertArrayEquals(a, b);
  }

  @Test
  void samplesLookStandardNormal() {
    float[] x = new TorchCpuGenerator(11).randn(1 << 16);
    double sum = 0;
    double sq = 0;
    for (float v : x) {
      sum += v;
      sq += v * v;
    }
    double mean = sum / x.length;
    double var = sq / x.length - mean * mean;
    assertEquals(0.0, mean, 0.02); // 5 sigma of the sample mean is 0.0195
    assertEquals(1.0, var, 0.03);
  }

  @Test
  void uniformsUseTwentyFourAndFiftyThreeBits() {
    TorchCpuGenerator g = new TorchCpuGenerator(3);
    for (int i = 0; i < 1000; i++) {
      float f = g.nextUniformFloat();
      assertTrue(f >= 0f && f < 1f);
      assertEquals(0.0, f * 16777216.0 % 1.0, 0.0);
      double d = g.nextUniformDouble();
      assertTrue(d >= 0 && d < 1);
    }
  }

  @Test
  void negativeCountIsRefused() {
    EngineException e =
        assertThrows(EngineException.class, () -> new TorchCpuGenerator(1).randn(-3));
    assertEquals("The number of random values must be at least 0, got -3.", e.getMessage());
  }
}
