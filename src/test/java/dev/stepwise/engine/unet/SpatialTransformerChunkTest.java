package dev.stepwise.engine.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transformer's feed-forward taken a token chunk at a time (issue 19) against the same block
 * with the whole feed-forward at once, its naive twin: the same result up to fp32 rounding, and
 * nothing left behind in the weights' manager.
 */
class SpatialTransformerChunkTest {
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void chunkedFeedForwardMatchesTheWholeOne(boolean linearProjection) {
    try (NDManager weights = NDManager.newBaseManager()) {
      Parameters p = Parameters.random(RandomWeights.seeded(5), weights); // fp16 layer weights
      SpatialTransformer block = new SpatialTransformer(p, 64, 2, 2, 32, 8, linearProjection);
      int held = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray x = job.randomNormal(new Shape(2, 64, 12, 10)); // [B, C, H, W], 120 tokens
        NDArray context = job.randomNormal(new Shape(2, 7, 32)); // [B, L, D]
        block.ffMaxFloats = Long.MAX_VALUE;
        float[] whole = block.forward(x, context).toFloatArray(); // [B, C, H, W]
        block.ffMaxFloats = 2L * 512 * 17; // 17 tokens per chunk: 7 whole chunks and one of 1
        NDArray chunked = block.forward(x, context); // [B, C, H, W]
        assertEquals(job, chunked.getManager());
        float[] c = chunked.toFloatArray();
        float worst = 0;
        float scale = 0;
        for (int i = 0; i < whole.length; i++) {
          worst = Math.max(worst, Math.abs(whole[i] - c[i]));
          scale = Math.max(scale, Math.abs(whole[i]));
        }
        assertTrue(scale > 0.5f, "the block's output is not trivial: " + scale);
        assertTrue(worst <= 1e-6f * scale, "largest difference " + worst + " of " + scale);
      }
      assertEquals(held, weights.getManagedArrays().size(), "the block left arrays behind");
    }
  }
}
