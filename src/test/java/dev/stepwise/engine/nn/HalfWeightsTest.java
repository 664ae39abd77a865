package dev.stepwise.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FLOAT16-held weights: exactly the FLOAT32 layer's results, no copy kept, held as documented. */
class HalfWeightsTest {
  private static final DataType F16 = DataType.FLOAT16;
  private static final DataType F32 = DataType.FLOAT32;

  @Test
  void halfLayersEqualTheFloatLayersExactlyAndKeepNoCopy() {
    try (NDManager w = NDManager.newBaseManager()) {
      NDArray lin = w.randomNormal(new Shape(48, 32)).toType(F16, false); // [out, in]
      NDArray kernel = w.randomNormal(new Shape(6, 4, 3, 3)).toType(F16, false);
      NDArray bias = w.randomNormal(new Shape(48)); // [out]
      Linear l32 = Linear.of(lin.toType(F32, false), bias);
      Conv2d c16 = Conv2d.of(kernel, null, 2, 1);
      Conv2d c32 = Conv2d.of(kernel.toType(F32, false), null, 2, 1);
      int held = w.getManagedArrays().size();
      try (NDManager job = w.newSubManager()) {
        NDArray x = job.randomNormal(new Shape(3, 5, 32)); // [B, N, in]
        NDArray y = Linear.of(lin, bias).forward(x); // [B, N, out]
        assertEquals(job, y.getManager());
        assertArrayEquals(l32.forward(x).toFloatArray(), y.toFloatArray(), 0f);
        NDArray i = job.randomNormal(new Shape(2, 4, 9, 7)); // [B, in, H, W]
        assertArrayEquals(
            c32.forwardNative(i).toFloatArray(), c16.forwardNative(i).toFloatArray(), 0f);
        assertArrayEquals(
            c32.forwardIm2col(i, 5, 4).toFloatArray(),
            c16.forwardIm2col(i, 5, 4).toFloatArray(),
            0f);
      }
      assertEquals(held, w.getManagedArrays().size(), "a widened copy was kept");
    }
  }

  @Test
  void eachPrecisionHoldsTheFilesTensorsAsDocumented(@TempDir Path tmp) throws Exception {
    float[] v = {1e-30f, 96f}; // 1e-30 is not exact in FLOAT16
    Path file = tmp.resolve("w.safetensors");
    SafetensorsWriter out = new SafetensorsWriter().putF16("h", new long[] {2}, v);
    out.putF32("f", new long[] {2}, v).putBf16("b", new long[] {1}, new float[] {96});
    Files.write(file, out.putBf16("t", new long[] {2}, v).toBytes());
    try (SafetensorsFile f = SafetensorsFile.open(file);
        NDManager m = NDManager.newBaseManager()) {
      Parameters p = Parameters.strict(f, m);
      DataType[] want = {F16, F32, F16, F32};
      String[] keys = {"h", "f", "b", "t"};
      for (int i = 0; i < keys.length; i++) {
        NDArray a = p.weight(keys[i], f.shape(keys[i]));
        assertEquals(want[i], a.getDataType(), keys[i]);
        assertArrayEquals(f.readFloats(keys[i]), a.toType(F32, false).toFloatArray(), 0f);
      }
      assertEquals(F32, p.get("h", 2).getDataType());
      assertEquals(
          F32, Parameters.strict(f, m, WeightPrecision.FLOAT32).weight("h", 2).getDataType());
      Parameters r = Parameters.random(RandomWeights.seeded(3), m);
      assertEquals(F16, r.weight("a", 8, 4).getDataType());
      r.get("b", 8);
      assertEquals(8L * 4 * 2 + 8 * 4, r.loadedBytes()); // FLOAT16 matrix, FLOAT32 vector
      assertEquals(
          F32,
          Parameters.random(RandomWeights.seeded(3).float32(), m).weight("a", 2).getDataType());
    }
  }
}
