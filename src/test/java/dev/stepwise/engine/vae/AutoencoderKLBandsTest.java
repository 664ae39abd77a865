package dev.stepwise.engine.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonParser;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The autoencoder by row bands against its whole layers, the naive twin. */
class AutoencoderKLBandsTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 700, 5000})
  void bandedDecodeAndEncodeMatchTheWholeLayers(long bandFloats) {
    String json =
        "{'block_out_channels': [32, 64], 'norm_num_groups': 8, 'layers_per_block': 1,"
            + " 'down_block_types': ['DownEncoderBlock2D', 'DownEncoderBlock2D'],"
            + " 'up_block_types': ['UpDecoderBlock2D', 'UpDecoderBlock2D']}";
    VaeConfig c = VaeConfig.fromJson(JsonParser.parseString(json).getAsJsonObject());
    try (NDManager weights = NDManager.newBaseManager()) {
      AutoencoderKL vae = new AutoencoderKL(c, Parameters.random(RandomWeights.seeded(9), weights));
      int held = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray z = job.randomNormal(new Shape(2, 4, 11, 7)); // [B, L, h, w], odd sizes
        NDArray x = job.randomNormal(new Shape(1, 3, 18, 14)).tanh(); // [B, 3, H, W]
        vae.bandFloats(Long.MAX_VALUE);
        float[] image = vae.decode(z).toFloatArray(); // [2, 3, 22, 14]
        float[] moments = vae.encodeMoments(x).toFloatArray(); // [1, 8, 9, 7]
        vae.bandFloats(bandFloats);
        int inJob = job.getManagedArrays().size();
        double d = TestPacks.relErr(vae.decode(z).toFloatArray(), image);
        double e = TestPacks.relErr(vae.encodeMoments(x).toFloatArray(), moments);
        assertTrue(d <= 1e-5 && e <= 1e-5, "decode differs by " + d + ", encode by " + e);
        assertEquals(inJob + 2, job.getManagedArrays().size(), "only the two results stay");
      }
      assertEquals(held, weights.getManagedArrays().size(), "the layers left arrays behind");
    }
  }
}
