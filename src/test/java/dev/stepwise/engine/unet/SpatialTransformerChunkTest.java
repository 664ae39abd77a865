package dev.stepwise.engine.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The feed-forward by token chunks against the whole one (its naive twin), and no leak. */
class SpatialTransformerChunkTest {
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void chunkedFeedForwardMatchesTheWholeOne(boolean linearProjection) {
    try (NDManager weights = NDManager.newBaseManager()) {
      Parameters p = Parameters.random(RandomWeights.seeded(5), weights);
      SpatialTransformer block = new SpatialTransformer(p, 64, 2, 2, 32, 8, linearProjection);
      int held = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray x = job.randomNormal(new Shape(2, 64, 12, 10)); // [B, C, H, W], 120 tokens
        NDArray context = job.randomNormal(new Shape(2, 7, 32)); // [B, L, D]
        block.ffMaxFloats = Long.MAX_VALUE;
        float[] whole = block.forward(x, context).toFloatArray(); // [B, C, H, W]
        block.ffMaxFloats = 2L * 512 * 17; // 17-token chunks, the last of 1
        NDArray chunked = block.forward(x, context); // [B, C, H, W]
        assertEquals(job, chunked.getManager());
        double e = TestPacks.relErr(chunked.toFloatArray(), whole);
        assertTrue(e <= 1e-6, "relative difference " + e);
      }
      assertEquals(held, weights.getManagedArrays().size(), "the block left arrays behind");
    }
  }
}
