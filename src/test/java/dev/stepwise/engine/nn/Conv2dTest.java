package dev.stepwise.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The im2col path against libtorch's convolution (its naive twin), and against plain Java loops.
 */
class Conv2dTest {

  /**
   * Direct definition: y[b,o,i,j] = bias[o] + sum_{c,ky,kx} w[o,c,ky,kx] x[b,c,i*s+ky-p,j*s+kx-p].
   */
  static float[] naive(
      float[] x,
      float[] w,
      float[] bias,
      int b,
      int cin,
      int h,
      int wd,
      int cout,
      int k,
      int s,
      int p) {
    int oh = (h + 2 * p - k) / s + 1;
    int ow = (wd + 2 * p - k) / s + 1;
    float[] y = new float[b * cout * oh * ow];
    for (int n = 0; n < b; n++) {
      for (int o = 0; o < cout; o++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            double acc = bias[o];
            for (int c = 0; c < cin; c++) {
              for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                  int yy = i * s + ky - p;
                  int xx = j * s + kx - p;
                  if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                    acc +=
                        w[((o * cin + c) * k + ky) * k + kx]
                            * x[((n * cin + c) * h + yy) * wd + xx];
                  }
                }
              }
            }
            y[((n * cout + o) * oh + i) * ow + j] = (float) acc;
          }
        }
      }
    }
    return y;
  }

  @ParameterizedTest
  @CsvSource({"2,5,7,6,3,1,1", "1,4,8,8,3,2,1", "2,3,5,9,3,1,0", "1,6,4,4,1,1,0", "2,4,9,7,3,2,1"})
  void im2colEqualsNativeAndTheDefinition(int b, int cin, int h, int w, int k, int s, int p) {
    int cout = 5;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(b, cin, h, w)); // [B, in, H, W]
      NDArray wt = m.randomNormal(new Shape(cout, cin, k, k)); // [out, in, k, k]
      NDArray bias = m.randomNormal(new Shape(cout)); // [out]
      Conv2d conv = Conv2d.of(wt, bias, s, p);
      int oh = (h + 2 * p - k) / s + 1;
      int ow = (w + 2 * p - k) / s + 1;
      float[] expected =
          naive(
              x.toFloatArray(),
              wt.toFloatArray(),
              bias.toFloatArray(),
              b,
              cin,
              h,
              w,
              cout,
              k,
              s,
              p);
      NDArray nat = conv.forwardNative(x);
      NDArray col = conv.forwardIm2col(x, oh, ow);
      assertArrayEquals(new long[] {b, cout, oh, ow}, col.getShape().getShape());
      assertArrayEquals(nat.getShape().getShape(), col.getShape().getShape());
      float[] a = nat.toFloatArray();
      float[] c = col.toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], a[i], 1e-4, "native " + i);
        assertEquals(expected[i], c[i], 1e-4, "im2col " + i);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "1280,1280,8,true",
    "1280,1280,16,true",
    "1280,1280,32,false",
    "640,640,8,false",
    "2560,1280,16,true"
  })
  void pathDependsOnlyOnShapes(int cin, int cout, int side, boolean im2col) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray wt =
          m.zeros(new Shape(1, 1, 1, 1)).broadcast(new Shape(cout, cin, 3, 3)); // no memory
      Conv2d conv = Conv2d.of(wt, null, 1, 1);
      NDArray x = m.zeros(new Shape(1, 1, 1, 1)).broadcast(new Shape(1, cin, side, side));
      assertEquals(im2col, conv.useIm2colFor(x), cin + "->" + cout + " at " + side);
    }
  }

  @ParameterizedTest
  @CsvSource({"1,8", "2,4"})
  void largeLayerAtSmallSizeLeaksNothingAndMatchesNative(int b, int side) {
    try (NDManager weights = NDManager.newBaseManager()) {
      NDArray wt =
          weights.randomNormal(
              0, 0.01f, new Shape(1280, 1280, 3, 3), ai.djl.ndarray.types.DataType.FLOAT32);
      NDArray bias = weights.randomNormal(new Shape(1280));
      Conv2d conv = Conv2d.of(wt, bias, 1, 1);
      int loaded = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray x = job.randomNormal(new Shape(b, 1280, side, side));
        assertTrue(conv.useIm2colFor(x));
        NDArray y = conv.forward(x);
        float diff = y.sub(conv.forwardNative(x)).abs().max().getFloat();
        assertTrue(diff < 1e-3, "max difference " + diff);
      }
      assertEquals(loaded, weights.getManagedArrays().size());
    }
  }
}
