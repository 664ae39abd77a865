package dev.stepwise.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The blocked attention (query chunks, and key chunks merged by the online softmax) against the
 * plain softmax(Q K^T / sqrt(d)) V of {@link NnOpsTest#naiveAttention}, and its memory bound.
 */
@Tag("hostile")
class AttentionTest {

  private static void assertClose(float[] want, float[] got, double tol, String what) {
    assertEquals(want.length, got.length, what + " length");
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " at " + i);
    }
  }

  /** b, nq, nk, heads, channels, causal, score budget: key chunking wherever bh*nk > budget. */
  @ParameterizedTest
  @CsvSource({
    "1,37,37,1,8,false,30", // 5 queries x 6 keys
    "2,33,21,2,8,false,40", // cross-attention shape (Nq != Nk): 3 queries x 3 keys
    "2,50,50,4,16,false,1000", // a row fits: 2 queries x all 50 keys
    "2,50,50,4,16,false,300", // 6 queries x 6 keys
    "1,45,45,3,12,true,100", // causal: 5 queries x 6 keys, hidden key chunks skipped
    "2,31,31,2,6,true,7", // causal, budget below bh * 2: 1 query x 1 key
    "2,64,64,8,32,false,4096", // a row fits: 4 queries x all 64 keys
    "2,64,64,8,32,true,256", // causal: 4 queries x 4 keys
    "1,200,77,8,64,false,500" // UNet cross-attention shape: 7 queries x 8 keys
  })
  void blockedAttentionEqualsTheDefinition(
      int b, int nq, int nk, int heads, int c, boolean causal, long budget) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.randomNormal(0f, 2f, new Shape(b, nq, c), DataType.FLOAT32);
      NDArray k = m.randomNormal(0f, 2f, new Shape(b, nk, c), DataType.FLOAT32);
      NDArray v = m.randomNormal(new Shape(b, nk, c));
      float[] want =
          NnOpsTest.naiveAttention(
              q.toFloatArray(), k.toFloatArray(), v.toFloatArray(), b, nq, nk, heads, c, causal);
      NDArray got = Attention.attend(q, k, v, heads, causal, budget); // [B, Nq, C]
      assertArrayEquals(new long[] {b, nq, c}, got.getShape().getShape());
      assertClose(want, got.toFloatArray(), 1e-4, "attention (score budget " + budget + ")");
      float[] whole = Attention.attend(q, k, v, heads, causal, Long.MAX_VALUE).toFloatArray();
      assertClose(whole, got.toFloatArray(), 1e-5, "blocked against one block");
    }
  }

  @Test
  void chunksStayWithinTheBudget() {
    // One row of scores fits: all keys, as many queries as fit.
    assertArrayEquals(new long[] {64, 4096}, Attention.chunks(8, 4096, 4096, 1L << 21));
    assertArrayEquals(new long[] {77, 77}, Attention.chunks(16, 77, 77, 1L << 21));
    // SD 1.5 at 1024 px: 16384 tokens, batch 2 x 8 heads still fits a row (8 queries).
    assertArrayEquals(new long[] {8, 16384}, Attention.chunks(16, 16384, 16384, 1L << 21));
    // A row does not fit: 128 queries against budget / (bh 128) keys; small budgets: a square.
    assertArrayEquals(new long[] {128, 1024}, Attention.chunks(16, 200_000, 200_000, 1L << 21));
    assertArrayEquals(new long[] {6, 6}, Attention.chunks(8, 50, 50, 300));
    assertArrayEquals(new long[] {1, 1}, Attention.chunks(4, 31, 31, 7));
    for (long bh : new long[] {1, 2, 8, 16, 40}) {
      for (long n : new long[] {1, 77, 4096, 16384, 300_000}) {
        long[] c = Attention.chunks(bh, n, n, 1L << 21);
        assertTrue(bh * c[0] * c[1] <= Math.max(1L << 21, bh), bh + " x " + n);
      }
    }
  }

  /**
   * The regression of issue 20: one call on [2, 4096, 32] with 4 heads used to leave the process
   * about 0.5 GB larger (each chunk's kept result pinned its freed 8 MiB score buffers in the C
   * heap); now it grows by about the output and one chunk's buffers.
   */
  @Test
  @EnabledOnOs(OS.LINUX)
  void oneCallDoesNotPileUpChunkBuffers() throws IOException {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.randomNormal(new Shape(2, 4096, 32)); // [B, N, C]
      NDArray k = m.randomNormal(new Shape(2, 4096, 32)); // [B, N, C]
      NDArray v = m.randomNormal(new Shape(2, 4096, 32)); // [B, N, C]
      long before = rssBytes();
      for (int i = 0; i < 2; i++) {
        try (NDManager call = m.newSubManager()) {
          Attention.attend(q, k, v, 4, false).attach(call); // [B, N, C]
        }
      }
      long grown = rssBytes() - before;
      assertTrue(grown < 200L << 20, "attention grew the process by " + (grown >> 20) + " MiB");
    }
  }

  private static long rssBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }
}
