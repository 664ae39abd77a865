package dev.stepwise.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.weights.HalfFloats;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights held in FLOAT16 and widened per call (issue 19): a half-stored layer gives exactly what
 * the FLOAT32 layer with the same (fp16-rounded) values gives, its widened copy is freed after the
 * call, and each {@link WeightPrecision} holds a file's tensors as documented.
 */
class HalfWeightsTest {
  @TempDir Path tmp;

  /** Values that FLOAT16 holds exactly: random floats rounded through binary16. */
  private static float[] halfValues(int n, long seed, float scale) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16((float) r.nextGaussian() * scale));
    }
    return v;
  }

  @Test
  void halfLinearEqualsTheFloatLayerExactlyAndFreesItsCopy() {
    try (NDManager weights = NDManager.newBaseManager()) {
      float[] w = halfValues(48 * 32, 1, 0.2f);
      NDArray w32 = weights.create(w, new Shape(48, 32)); // [out, in]
      NDArray w16 = w32.toType(DataType.FLOAT16, false); // [out, in], the same values
      NDArray bias = weights.create(halfValues(48, 2, 0.1f), new Shape(48)); // [out]
      Linear full = Linear.of(w32, bias);
      Linear half = Linear.of(w16, bias);
      int held = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray x = job.randomNormal(new Shape(3, 5, 32)); // [B, N, in]
        float[] expected = full.forward(x).toFloatArray(); // [B, N, out]
        NDArray y = half.forward(x); // [B, N, out]
        assertEquals(DataType.FLOAT32, y.getDataType());
        assertArrayEquals(expected, y.toFloatArray(), 0f);
        assertEquals(job, y.getManager());
      }
      assertEquals(held, weights.getManagedArrays().size(), "the widened copy was kept");
    }
  }

  @Test
  void halfConvEqualsTheFloatLayerExactlyOnBothPaths() {
    try (NDManager weights = NDManager.newBaseManager()) {
      float[] w = halfValues(6 * 4 * 3 * 3, 3, 0.3f);
      NDArray w32 = weights.create(w, new Shape(6, 4, 3, 3)); // [out, in, k, k]
      NDArray w16 = w32.toType(DataType.FLOAT16, false);
      NDArray bias = weights.create(halfValues(6, 4, 0.1f), new Shape(6)); // [out]
      for (int stride = 1; stride <= 2; stride++) {
        Conv2d full = Conv2d.of(w32, bias, stride, 1);
        Conv2d half = Conv2d.of(w16, bias, stride, 1);
        int held = weights.getManagedArrays().size();
        try (NDManager job = weights.newSubManager()) {
          NDArray x = job.randomNormal(new Shape(2, 4, 9, 7)); // [B, in, H, W]
          long oh = (9 + 2 - 3) / stride + 1;
          long ow = (7 + 2 - 3) / stride + 1;
          assertArrayEquals(
              full.forwardNative(x).toFloatArray(), half.forwardNative(x).toFloatArray(), 0f);
          assertArrayEquals(
              full.forwardIm2col(x, oh, ow).toFloatArray(),
              half.forwardIm2col(x, oh, ow).toFloatArray(),
              0f);
          assertArrayEquals(full.forward(x).toFloatArray(), half.forward(x).toFloatArray(), 0f);
        }
        assertEquals(held, weights.getManagedArrays().size(), "the widened copy was kept");
      }
    }
  }

  private Path file() throws Exception {
    float[] exact = halfValues(4 * 3, 5, 1f);
    float[] plain = {0.1f, -2.5f, 3.3333333f, 1e-3f, 7f, -0.25f};
    float[] tiny = {1e-30f, 1f, 2f, 3f}; // 1e-30 is below FLOAT16's smallest subnormal
    Path f = tmp.resolve("w.safetensors");
    Files.write(
        f,
        new SafetensorsWriter()
            .putF16("lin.weight", new long[] {4, 3}, exact)
            .putF16("lin.bias", new long[] {4}, new float[] {1, 2, 3, 4})
            .putF32("f32.weight", new long[] {2, 3}, plain)
            .putF32("big.weight", new long[] {2, 2}, new float[] {1f, 70000f, 2f, 3f})
            .putBf16("bf.weight", new long[] {2, 3}, new float[] {0.5f, -1.25f, 3f, 96f, 1f, 0f})
            .putBf16("bftiny.weight", new long[] {2, 2}, tiny)
            .toBytes());
    return f;
  }

  private static DataType held(Parameters p, String key, long... shape) {
    return p.weight(key, shape).getDataType();
  }

  @Test
  void eachPrecisionHoldsTheFilesTensorsAsDocumented() throws Exception {
    try (SafetensorsFile f = SafetensorsFile.open(file());
        NDManager m = NDManager.newBaseManager()) {
      Parameters stored = Parameters.strict(f, m);
      assertEquals(WeightPrecision.AS_STORED, stored.precision());
      assertEquals(DataType.FLOAT16, held(stored, "lin.weight", 4, 3));
      assertEquals(DataType.FLOAT32, stored.get("lin.bias", 4).getDataType()); // get(): FLOAT32
      assertEquals(DataType.FLOAT32, held(stored, "f32.weight", 2, 3));
      assertEquals(DataType.FLOAT16, held(stored, "bf.weight", 2, 3)); // exact in FLOAT16
      assertEquals(DataType.FLOAT32, held(stored, "bftiny.weight", 2, 2)); // not exact: FLOAT32

      Parameters wide = Parameters.strict(f, m, WeightPrecision.FLOAT32);
      for (String k : new String[] {"lin.weight", "bf.weight"}) {
        long[] s = f.shape(k);
        assertEquals(DataType.FLOAT32, held(wide, k, s));
        // The same values either way: widening is exact.
        assertArrayEquals(
            wide.weight(k, s).toFloatArray(),
            stored.weight(k, s).toType(DataType.FLOAT32, false).toFloatArray(),
            0f,
            k);
      }
      assertArrayEquals(
          f.readFloats("bftiny.weight"), stored.weight("bftiny.weight", 2, 2).toFloatArray(), 0f);

      Parameters half = Parameters.strict(f, m, WeightPrecision.HALF);
      NDArray narrowed = half.weight("f32.weight", 2, 3);
      assertEquals(DataType.FLOAT16, narrowed.getDataType());
      float[] rounded = f.readFloats("f32.weight");
      for (int i = 0; i < rounded.length; i++) {
        rounded[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(rounded[i]));
      }
      assertArrayEquals(rounded, narrowed.toType(DataType.FLOAT32, false).toFloatArray(), 0f);
      assertEquals(DataType.FLOAT32, held(half, "big.weight", 2, 2)); // 70000 > 65504
      assertEquals(DataType.FLOAT32, half.get("lin.bias", 4).getDataType());
    }
  }

  @Test
  void halfRandomWeightsHoldLayerWeightsInFloat16Only() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameters half = Parameters.random(RandomWeights.seeded(3), m);
      assertEquals(DataType.FLOAT16, held(half, "a.weight", 8, 4));
      assertEquals(DataType.FLOAT32, half.get("a.bias", 8).getDataType());
      assertEquals(DataType.FLOAT32, half.get("norm.weight", 8).getDataType());
      Parameters full = Parameters.random(RandomWeights.seeded(3).float32(), m);
      assertEquals(DataType.FLOAT32, held(full, "a.weight", 8, 4));
      assertEquals(8L * 4 * 2 + 8 * 4 + 8 * 4, half.loadedBytes()); // fp16 matrix, fp32 vectors
      assertEquals(8L * 4 * 4, full.loadedBytes());
    }
  }
}
