package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensors converted in Java (BF16, I32, I64) load as arrays that own their memory (issue 19): the
 * values equal {@link SafetensorsFile#readFloats} across the conversion's chunk boundary, and a
 * view of a loaded array stays valid after the array is closed and collected (a squeezed 1x1 kernel
 * of a BF16 checkpoint once read freed memory that way).
 */
class ConvertedTensorsTest {
  @TempDir Path tmp;

  @Test
  void convertedTensorsEqualTheJavaConversionAcrossChunks() throws Exception {
    int n = (1 << 22) + 3; // one whole chunk and a partial one
    float[] v = new float[n];
    Random r = new Random(7);
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    ByteBuffer ints = ByteBuffer.allocate(4 * 5).order(ByteOrder.LITTLE_ENDIAN);
    for (int i : new int[] {-3, 0, 7, 1 << 20, 42}) {
      ints.putInt(i);
    }
    Path f = tmp.resolve("c.safetensors");
    Files.write(
        f,
        new SafetensorsWriter()
            .putBf16("big", new long[] {n}, v)
            .putRaw("ints", SafetensorsDtype.I32, new long[] {5}, ints.array())
            .toBytes());
    try (SafetensorsFile s = SafetensorsFile.open(f);
        NDManager m = NDManager.newBaseManager()) {
      for (String name : new String[] {"big", "ints"}) {
        NDArray a = s.load(name, m);
        assertEquals(DataType.FLOAT32, a.getDataType());
        assertArrayEquals(s.readFloats(name), a.toFloatArray(), 0f, name);
      }
      assertArrayEquals(new float[] {-3, 0, 7, 1 << 20, 42}, s.readFloats("ints"), 0f);
    }
  }

  @Test
  void aViewOfAConvertedTensorOutlivesTheTensor() throws Exception {
    float[] v = new float[64 * 64];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i % 97) - 48;
    }
    Path f = tmp.resolve("k.safetensors");
    Files.write(f, new SafetensorsWriter().putBf16("k", new long[] {64, 64, 1, 1}, v).toBytes());
    try (SafetensorsFile s = SafetensorsFile.open(f);
        NDManager m = NDManager.newBaseManager()) {
      List<NDArray> views = new ArrayList<>();
      for (int round = 0; round < 8; round++) {
        NDArray full = s.load("k", m); // [64, 64, 1, 1]
        views.add(full.reshape(64, 64)); // shares full's memory
        full.close();
      }
      // Let the collector free whatever the closed arrays left behind, then reuse that memory.
      List<ByteBuffer> filler = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        System.gc();
        ByteBuffer b = ByteBuffer.allocateDirect(4 * v.length);
        while (b.hasRemaining()) {
          b.put((byte) 0x7f); // a float of 0x7f7f7f7f: about 3.4e38
        }
        filler.add(b);
      }
      for (NDArray view : views) {
        assertArrayEquals(v, view.toFloatArray(), 0f);
      }
      assertEquals(8, filler.size());
    }
  }
}
