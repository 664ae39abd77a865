package dev.stepwise.engine.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** A1111's EmphasisOriginal (sd_emphasis.py) against its closed form, computed in doubles. */
class EmphasisTest {

  @Test
  void weightsScaleTokensAndTheMeanIsRestored() {
    int l = 5;
    int d = 4;
    float[] z = new float[l * d];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) Math.sin(0.7 * i + 0.3) + 0.4f;
    }
    float[] w = {1f, 1.3f, 1f, 0.5f, 1f};
    double mean = 0;
    double weightedMean = 0;
    for (int i = 0; i < z.length; i++) {
      mean += z[i];
      weightedMean += z[i] * (double) w[i / d];
    }
    double ratio = mean / weightedMean; // mean(z) / mean(z * w)
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray in = m.create(z, new Shape(1, l, d)); // [1, L, D]
      float[] out = Emphasis.apply(in, w).toFloatArray(); // [1, L, D]
      double outMean = 0;
      for (int i = 0; i < out.length; i++) {
        assertEquals(z[i] * w[i / d] * ratio, out[i], 1e-5, "element " + i);
        outMean += out[i];
      }
      assertEquals(mean / z.length, outMean / z.length, 1e-6, "the mean is kept");
      float[] ones = {1f, 1f, 1f, 1f, 1f};
      assertSame(in, Emphasis.apply(in, ones), "weights of 1 leave z untouched");
      float[] equal = {2f, 2f, 2f, 2f, 2f};
      assertArrayEquals(z, Emphasis.apply(in, equal).toFloatArray(), 1e-6f);
    }
  }
}
