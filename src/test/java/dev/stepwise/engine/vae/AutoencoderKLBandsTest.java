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
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.weights.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The autoencoder's large layers by row bands (issue 19) against the same layers run whole, their
 * naive twin: exact in exact arithmetic (each band reads the rows its outputs need, group norm uses
 * the whole tensor's statistics), so they agree to fp32 rounding; and with tiny bands the packs'
 * decodes still meet the PyTorch goldens' tolerance.
 */
class AutoencoderKLBandsTest {
  /** Two levels, 32 and 64 channels, 8 groups: every kind of banded layer at a small size. */
  private static VaeConfig smallConfig() {
    return VaeConfig.fromJson(
        JsonParser.parseString(
                "{\"block_out_channels\": [32, 64], \"layers_per_block\": 1,"
                    + " \"norm_num_groups\": 8, \"latent_channels\": 4,"
                    + " \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"],"
                    + " \"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}")
            .getAsJsonObject());
  }

  private static float relativeDifference(float[] got, float[] want) {
    float worst = 0;
    float scale = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    assertTrue(scale > 0.05f, "the output is not trivial: " + scale);
    return worst / scale;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 700, 5000})
  void bandedDecodeAndEncodeMatchTheWholeLayers(long bandFloats) {
    try (NDManager weights = NDManager.newBaseManager()) {
      AutoencoderKL vae =
          new AutoencoderKL(smallConfig(), Parameters.random(RandomWeights.seeded(9), weights));
      int held = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray z = job.randomNormal(new Shape(2, 4, 11, 7)); // [B, L, h, w], odd sizes
        NDArray x = job.randomNormal(new Shape(1, 3, 18, 14)).tanh(); // [B, 3, H, W]
        vae.bandFloats(Long.MAX_VALUE);
        float[] wholeImage = vae.decode(z).toFloatArray(); // [2, 3, 22, 14]
        float[] wholeMoments = vae.encodeMoments(x).toFloatArray(); // [1, 8, 9, 7]
        vae.bandFloats(bandFloats);
        int inJob = job.getManagedArrays().size();
        NDArray image = vae.decode(z); // [2, 3, 22, 14]
        assertEquals(new Shape(2, 3, 22, 14), image.getShape());
        float decode = relativeDifference(image.toFloatArray(), wholeImage);
        float encode = relativeDifference(vae.encodeMoments(x).toFloatArray(), wholeMoments);
        assertTrue(decode <= 1e-5f, "decode differs by " + decode + " of its largest value");
        assertTrue(encode <= 1e-5f, "encode differs by " + encode + " of its largest value");
        assertEquals(inJob + 2, job.getManagedArrays().size(), "only the two results stay");
      }
      assertEquals(held, weights.getManagedArrays().size(), "the layers left arrays behind");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-sd", "stepwise-emoji"})
  void bandedDecodeMeetsThePyTorchGolden(String name) {
    try (ModelPack p = ModelPack.open(TestPacks.byName(name));
        SafetensorsFile g = SafetensorsFile.open(TestPacks.GOLDEN.resolve(name + ".safetensors"));
        NDManager weights = NDManager.newBaseManager()) {
      AutoencoderKL vae =
          new AutoencoderKL(
              VaeConfig.fromJson(p.vaeConfig()), Parameters.strict(p.vaeWeights(), weights));
      vae.bandFloats(600); // a few rows per band in every layer
      try (NDManager job = weights.newSubManager()) {
        NDArray z = job.create(g.readFloats("vae.decode.z"), new Shape(g.shape("vae.decode.z")));
        double e = TestPacks.relErr(vae.decode(z).toFloatArray(), g.readFloats("vae.decode.out"));
        assertTrue(e <= 1e-3, name + ": relative error " + e + " > 1e-3");
      }
    }
  }

  @Test
  void aBandBudgetBelowOneIsRefused() {
    try (NDManager weights = NDManager.newBaseManager()) {
      AutoencoderKL vae =
          new AutoencoderKL(smallConfig(), Parameters.random(RandomWeights.shapesOnly(), weights));
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> vae.bandFloats(0));
      assertEquals("band budget 0 floats; it must be at least 1.", e.getMessage());
    }
  }
}
