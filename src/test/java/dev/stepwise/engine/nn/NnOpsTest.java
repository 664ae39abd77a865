package dev.stepwise.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shared ops against plain-Java twins written from their definitions. */
class NnOpsTest {

  private static void assertClose(float[] want, float[] got, double tol, String what) {
    assertEquals(want.length, got.length, what + " length");
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " at " + i);
    }
  }

  @Test
  void groupNormNormalisesEachGroupWithBiasedVariance() {
    int b = 2, c = 6, h = 3, w = 5, g = 3;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(2f, 3f, new Shape(b, c, h, w), DataType.FLOAT32);
      float[] xs = x.toFloatArray();
      float[] y = GroupNorm.normalize(x, g, 1e-5f).toFloatArray();
      int per = c / g * h * w;
      float[] want = new float[xs.length];
      for (int n = 0; n < b * g; n++) {
        double mean = 0;
        for (int i = 0; i < per; i++) {
          mean += xs[n * per + i];
        }
        mean /= per;
        double var = 0;
        for (int i = 0; i < per; i++) {
          var += (xs[n * per + i] - mean) * (xs[n * per + i] - mean);
        }
        var /= per; // biased, as torch.nn.GroupNorm
        for (int i = 0; i < per; i++) {
          want[n * per + i] = (float) ((xs[n * per + i] - mean) / Math.sqrt(var + 1e-5));
        }
      }
      assertClose(want, y, 1e-4, "group norm");
    }
  }

  /** softmax(q k^T / sqrt(d)) v per head, directly. */
  static float[] naiveAttention(
      float[] q, float[] k, float[] v, int b, int nq, int nk, int heads, int c, boolean causal) {
    int d = c / heads;
    float[] out = new float[b * nq * c];
    for (int n = 0; n < b; n++) {
      for (int hd = 0; hd < heads; hd++) {
        for (int i = 0; i < nq; i++) {
          double[] s = new double[nk];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < nk; j++) {
            if (causal && j > i) {
              s[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double dot = 0;
            for (int e = 0; e < d; e++) {
              dot += q[(n * nq + i) * c + hd * d + e] * k[(n * nk + j) * c + hd * d + e];
            }
            s[j] = dot / Math.sqrt(d);
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j < nk; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int e = 0; e < d; e++) {
            double acc = 0;
            for (int j = 0; j < nk; j++) {
              acc += s[j] / sum * v[(n * nk + j) * c + hd * d + e];
            }
            out[(n * nq + i) * c + hd * d + e] = (float) acc;
          }
        }
      }
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({
    "2,7,7,2,8,false,1000000",
    "2,9,4,4,8,false,20",
    "1,6,6,2,4,true,12",
    "2,5,5,1,3,true,1"
  })
  void chunkedAttentionEqualsTheDefinition(
      int b, int nq, int nk, int heads, int c, boolean causal, long budget) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.randomNormal(new Shape(b, nq, c));
      NDArray k = m.randomNormal(new Shape(b, nk, c));
      NDArray v = m.randomNormal(new Shape(b, nk, c));
      float[] want =
          naiveAttention(
              q.toFloatArray(), k.toFloatArray(), v.toFloatArray(), b, nq, nk, heads, c, causal);
      float[] got = Attention.attend(q, k, v, heads, causal, budget).toFloatArray();
      assertClose(want, got, 1e-4, "attention (score budget " + budget + ")");
    }
  }

  @Test
  void timestepEmbeddingFollowsDiffusers() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] ts = {0f, 37.5f, 999f};
      int dim = 8;
      float[] got = Timesteps.sinusoidal(m.create(ts), dim, true, 1).toFloatArray();
      int half = dim / 2;
      for (int n = 0; n < ts.length; n++) {
        for (int i = 0; i < half; i++) {
          double freq = Math.exp(-Math.log(10000) * i / (half - 1.0));
          double a = ts[n] * freq;
          assertEquals(
              Math.cos(a), got[n * dim + i], 2e-4, "cos part (flip_sin_to_cos) " + n + "," + i);
          assertEquals(Math.sin(a), got[n * dim + half + i], 2e-4, "sin part " + n + "," + i);
        }
      }
    }
  }

  @Test
  void activationsMatchTheirFormulas() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] xs = {-3f, -0.5f, 0f, 0.7f, 2.5f};
      NDArray x = m.create(xs);
      float[] silu = Activations.silu(x).toFloatArray();
      float[] quick = Activations.quickGelu(x).toFloatArray();
      for (int i = 0; i < xs.length; i++) {
        assertEquals(xs[i] / (1 + Math.exp(-xs[i])), silu[i], 1e-6);
        assertEquals(xs[i] / (1 + Math.exp(-1.702 * xs[i])), quick[i], 1e-6);
      }
      // GEGLU: a * gelu(gate) over the halves of the last axis; gelu(1) = 0.8413447.
      float[] g = Activations.geglu(m.create(new float[] {2f, 1f}, new Shape(1, 2))).toFloatArray();
      assertEquals(2 * 0.8413447, g[0], 1e-5);
    }
  }
}
