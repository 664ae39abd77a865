package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BF16 tensors load whole across chunks, into memory they own: views outlive them. */
class ConvertedTensorsTest {
  @Test
  void convertedTensorsOwnTheirMemory(@TempDir Path tmp) throws Exception {
    float[] big = new float[(1 << 22) + 3]; // two conversion chunks
    for (int i = 0; i < big.length; i++) {
      big[i] = (i % 97) - 48;
    }
    float[] k = Arrays.copyOf(big, 4096);
    Path f = tmp.resolve("c.safetensors");
    SafetensorsWriter w = new SafetensorsWriter().putBf16("big", new long[] {big.length}, big);
    Files.write(f, w.putBf16("k", new long[] {64, 64, 1, 1}, k).toBytes());
    try (SafetensorsFile s = SafetensorsFile.open(f);
        NDManager m = NDManager.newBaseManager()) {
      assertArrayEquals(big, s.load("big", m).toFloatArray(), 0f);
      List<NDArray> views = new ArrayList<>();
      for (int round = 0; round < 8; round++) {
        NDArray full = s.load("k", m); // [64, 64, 1, 1]
        views.add(full.reshape(64, 64));
        full.close();
      }
      List<ByteBuffer> filler = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        System.gc();
        filler.add(ByteBuffer.allocateDirect(4 * 4096).put(new byte[4 * 4096]));
      }
      for (NDArray view : views) {
        assertArrayEquals(k, view.toFloatArray(), 0f);
      }
    }
  }
}
