package dev.stepwise.engine.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * AutoencoderTiny against a naive Java twin. Every 3x3 conv has only its centre tap set, so each
 * conv is a per-pixel matrix product and the whole decoder is per-pixel arithmetic except the
 * upsampling, which the twin does with PyTorch's own index formulas (aten/src/ATen/native/
 * UpSample.h: nearest src = floor(dst * in / out); bilinear with align_corners=False src = max(0,
 * (dst + 0.5) * in / out - 0.5)). The twin checks the Clamp, the activations, the blocks' ReLU fuse
 * and residual, the stage order and the final * 2 - 1; and upsampling by hand on tiny cases.
 */
class AutoencoderTinyTwinTest {
  private static final int L = 2; // latent channels
  private static final int C = 3; // width

  @TempDir Path tmp;

  @Test
  void upsamplingMatchesHandComputedCases() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2)); // [1, 1, 2, 2]
      assertArrayEquals(
          new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4},
          AutoencoderTiny.upsample(x, 2, "nearest").toFloatArray());
      assertEquals(new Shape(1, 1, 6, 6), AutoencoderTiny.upsample(x, 3, "nearest").getShape());
      // bilinear, align_corners=False, 2x of [0, 4]: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25
      NDArray row = m.create(new float[] {0, 4}, new Shape(1, 1, 1, 2)); // [1, 1, 1, 2]
      assertArrayEquals(
          new float[] {0, 1, 3, 4, 0, 1, 3, 4},
          AutoencoderTiny.upsample(row, 2, "bilinear").toFloatArray(),
          1e-6f);
      // 3x of [0, 3]: sources (X + 0.5) / 3 - 0.5 = -1/3, 0, 1/3, 2/3, 1, 4/3 (clamped to 1)
      assertArrayEquals(
          new float[] {0, 0, 1, 2, 3, 3},
          AutoencoderTiny.upsample(
                  m.create(new float[] {0, 3}, new Shape(1, 1, 1, 2)), 3, "bilinear")
              .get("0, 0, 0")
              .toFloatArray(),
          1e-5f);
      assertArrayEquals(
          x.toFloatArray(), AutoencoderTiny.upsample(x, 1, "bilinear").toFloatArray());
    }
  }

  /** Centre-tap conv weights: matrix[o][i] at [o, i, 1, 1], zero elsewhere. */
  private static float[] centreTap(double[][] matrix) {
    int out = matrix.length;
    int in = matrix[0].length;
    float[] w = new float[out * in * 9]; // [out, in, 3, 3]
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        w[(o * in + i) * 9 + 4] = (float) matrix[o][i];
      }
    }
    return w;
  }

  private static double[][] randomMatrix(SplittableRandom r, int out, int in, double scale) {
    double[][] m = new double[out][in];
    for (double[] row : m) {
      for (int i = 0; i < in; i++) {
        row[i] = (float) (r.nextDouble(-1, 1) * scale); // float-exact, as stored
      }
    }
    return m;
  }

  private static double[] randomVector(SplittableRandom r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble(-0.5, 0.5);
    }
    return v;
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  /** One pointwise conv: matrix, bias (null: none). */
  private record Conv(double[][] m, double[] b) {
    double[] apply(double[] x) {
      double[] y = new double[m.length];
      for (int o = 0; o < m.length; o++) {
        double s = b == null ? 0 : b[o];
        for (int i = 0; i < x.length; i++) {
          s += m[o][i] * x[i];
        }
        y[o] = s;
      }
      return y;
    }
  }

  private static double act(double x, String act) {
    return switch (act) {
      case "relu" -> Math.max(0, x);
      case "silu" -> x / (1 + Math.exp(-x));
      case "gelu" -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
      default -> throw new IllegalArgumentException(act);
    };
  }

  /**
   * erf by its Maclaurin series (within 1e-6 for |x| <= 5); +-1 beyond, where 1 - erf(5) < 2e-12.
   */
  private static double erf(double x) {
    double ax = Math.abs(x);
    if (ax > 5) {
      return Math.signum(x);
    }
    double sum = 0;
    double term = ax;
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -ax * ax / (n + 1);
    }
    return Math.signum(x) * Math.min(1, 2 / Math.sqrt(Math.PI) * sum);
  }

  private static double[] act(double[] x, String a) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = act(x[i], a);
    }
    return y;
  }

  private int negativeFuses;

  /** AutoencoderTinyBlock, per pixel: relu(conv4(act(conv2(act(conv0 x)))) + x). */
  private double[] block(Conv[] convs, double[] x, String a) {
    double[] h = convs[2].apply(act(convs[1].apply(act(convs[0].apply(x), a)), a));
    double[] y = new double[h.length];
    for (int i = 0; i < h.length; i++) {
      double s = h[i] + x[i];
      negativeFuses += s < 0 ? 1 : 0;
      y[i] = Math.max(0, s); // fuse is nn.ReLU whatever act_fn is
    }
    return y;
  }

  /** [C][H][W] -> [C][H f][W f] with PyTorch's index formulas. */
  private static double[][][] upsample(double[][][] x, int f, String mode) {
    int ch = x.length;
    int h = x[0].length;
    int w = x[0][0].length;
    double[][][] y = new double[ch][h * f][w * f];
    for (int c = 0; c < ch; c++) {
      for (int yy = 0; yy < h * f; yy++) {
        for (int xx = 0; xx < w * f; xx++) {
          if (mode.equals("nearest")) {
            y[c][yy][xx] = x[c][yy / f][xx / f];
          } else {
            double sy = Math.max(0, (yy + 0.5) / f - 0.5);
            double sx = Math.max(0, (xx + 0.5) / f - 0.5);
            int y0 = (int) sy;
            int x0 = (int) sx;
            int y1 = Math.min(y0 + 1, h - 1);
            int x1 = Math.min(x0 + 1, w - 1);
            double ly = sy - y0;
            double lx = sx - x0;
            y[c][yy][xx] =
                (1 - ly) * ((1 - lx) * x[c][y0][x0] + lx * x[c][y0][x1])
                    + ly * ((1 - lx) * x[c][y1][x0] + lx * x[c][y1][x1]);
          }
        }
      }
    }
    return y;
  }

  @ParameterizedTest
  @CsvSource({"bilinear, silu, 3", "nearest, gelu, 2", "nearest, relu, 3", "bilinear, relu, 2"})
  void decodeMatchesTheNaiveTwin(String upsampleFn, String actFn, int f) {
    int[] blocks = {1, 2, 0};
    TinyVaeConfig config =
        new TinyVaeConfig(
            L, 3, new int[] {C, C, C}, blocks, f, upsampleFn, actFn, 1.0, OptionalDouble.empty());
    SplittableRandom r = new SplittableRandom(11);
    SafetensorsWriter w = new SafetensorsWriter();
    // layers.0 conv, then per stage blocks and a conv (no bias unless last), as DecoderTiny numbers
    // them.
    Conv convIn = new Conv(randomMatrix(r, C, L, 1.0), randomVector(r, C));
    put(w, "decoder.layers.0", convIn);
    int index = 2;
    Conv[][][] stageBlocks = new Conv[blocks.length][][];
    Conv[] stageConv = new Conv[blocks.length];
    for (int s = 0; s < blocks.length; s++) {
      stageBlocks[s] = new Conv[blocks[s]][];
      for (int j = 0; j < blocks[s]; j++) {
        Conv[] convs = new Conv[3];
        for (int k = 0; k < 3; k++) {
          convs[k] = new Conv(randomMatrix(r, C, C, 0.8), randomVector(r, C));
          put(w, "decoder.layers." + index + ".conv." + (2 * k), convs[k]);
        }
        stageBlocks[s][j] = convs;
        index++;
      }
      boolean last = s == blocks.length - 1;
      if (!last) {
        index++; // Upsample
      }
      stageConv[s] =
          new Conv(randomMatrix(r, last ? 3 : C, C, 0.8), last ? randomVector(r, 3) : null);
      put(w, "decoder.layers." + index++, stageConv[s]);
    }
    Path file = tmp.resolve(upsampleFn + actFn + f + ".safetensors");
    w.write(file);

    int h = 3;
    int wd = 2;
    double[][][] z = new double[L][h][wd]; // [L, h, w]
    float[] zf = new float[L * h * wd];
    for (int c = 0; c < L; c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < wd; x++) {
          zf[(c * h + y) * wd + x] = (float) r.nextDouble(-6, 6); // beyond the tanh clamp's knee
          z[c][y][x] = zf[(c * h + y) * wd + x];
        }
      }
    }
    // The twin, stage by stage on [C][H][W] maps.
    double[][][] map = new double[C][h][wd];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < wd; x++) {
        double[] v = new double[L];
        for (int c = 0; c < L; c++) {
          v[c] = Math.tanh(z[c][y][x] / 3) * 3; // taesd.py Clamp
        }
        double[] o = act(convIn.apply(v), actFn);
        for (int c = 0; c < C; c++) {
          map[c][y][x] = o[c];
        }
      }
    }
    for (int s = 0; s < blocks.length; s++) {
      boolean last = s == blocks.length - 1;
      int hh = map[0].length;
      int ww = map[0][0].length;
      for (int y = 0; y < hh; y++) {
        for (int x = 0; x < ww; x++) {
          double[] v = new double[C];
          for (int c = 0; c < C; c++) {
            v[c] = map[c][y][x];
          }
          for (Conv[] b : stageBlocks[s]) {
            v = block(b, v, actFn);
          }
          for (int c = 0; c < C; c++) {
            map[c][y][x] = v[c];
          }
        }
      }
      if (!last) {
        map = upsample(map, f, upsampleFn);
      }
      int oc = last ? 3 : C;
      double[][][] next = new double[oc][map[0].length][map[0][0].length];
      for (int y = 0; y < map[0].length; y++) {
        for (int x = 0; x < map[0][0].length; x++) {
          double[] v = new double[C];
          for (int c = 0; c < C; c++) {
            v[c] = map[c][y][x];
          }
          double[] o = stageConv[s].apply(v);
          for (int c = 0; c < oc; c++) {
            next[c][y][x] = last ? o[c] * 2 - 1 : o[c];
          }
        }
      }
      map = next;
    }
    assertTrue(negativeFuses > 0, "some block sums are negative, so the fuse matters");

    try (SafetensorsFile source = SafetensorsFile.open(file);
        NDManager weights = NDManager.newBaseManager(Device.cpu())) {
      Parameters p = Parameters.strict(source, weights);
      AutoencoderTiny net = new AutoencoderTiny(config, p);
      assertEquals(java.util.List.of(), p.unusedKeys());
      int held = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray y = net.decode(job.create(zf, new Shape(1, L, h, wd))); // [1, 3, h f^2, w f^2]
        int big = f * f;
        assertEquals(new Shape(1, 3, h * big, wd * big), y.getShape());
        float[] got = y.toFloatArray();
        double maxDiff = 0;
        double maxRef = 0;
        int i = 0;
        for (int c = 0; c < 3; c++) {
          for (int yy = 0; yy < h * big; yy++) {
            for (int xx = 0; xx < wd * big; xx++) {
              maxDiff = Math.max(maxDiff, Math.abs(got[i++] - map[c][yy][xx]));
              maxRef = Math.max(maxRef, Math.abs(map[c][yy][xx]));
            }
          }
        }
        assertTrue(
            maxDiff / maxRef < 1e-5,
            upsampleFn + "/" + actFn + ": relative error " + maxDiff / maxRef);
      }
      assertEquals(
          held, weights.getManagedArrays().size(), "decode leaked into the weights' manager");
    }
  }

  private static void put(SafetensorsWriter w, String name, Conv conv) {
    w.putF32(
        name + ".weight",
        new long[] {conv.m().length, conv.m()[0].length, 3, 3},
        centreTap(conv.m()));
    if (conv.b() != null) {
      w.putF32(name + ".bias", new long[] {conv.b().length}, floats(conv.b()));
    }
  }
}
