package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tiny SDXL-shaped pack (src/test/resources/packs/tiny-sdxl: an add_embedding UNet with
 * attention only on its second level and two transformer layers there, a CLIPTextModel and a
 * CLIPTextModelWithProjection, F16 weights) against the project's PyTorch reference
 * (models/training/make_sdxl_goldens.py): max|java - torch| / max|torch| <= 1e-3, as {@link
 * NetworkGoldenTest}.
 */
class SdxlGoldenTest {
  private static final double TOLERANCE = 1e-3;
  static final Path PACK = TestPacks.ROOT.resolve("tiny-sdxl");
  static final Path GOLDEN = TestPacks.GOLDEN.resolve("tiny-sdxl.safetensors");

  private static void check(String what, float[] got, float[] want) {
    double e = TestPacks.relErr(got, want);
    assertTrue(e <= TOLERANCE, what + ": relative error " + e + " > " + TOLERANCE);
  }

  @Test
  void unetWithTimeIdsMatchesPyTorch() {
    try (ModelPack p = ModelPack.open(PACK);
        SafetensorsFile g = SafetensorsFile.open(GOLDEN);
        NDManager weights = NDManager.newBaseManager()) {
      Parameters params = Parameters.strict(p.unetWeights(), weights);
      UNetConfig c = UNetConfig.fromJson(p.unetConfig());
      assertTrue(c.hasTextTime());
      UNet2DConditionModel unet = new UNet2DConditionModel(c, params);
      assertEquals(List.of(), params.unusedKeys(), "every tensor of the pack is used");
      try (NDManager job = weights.newSubManager()) {
        NDArray x = NetworkGoldenTest.array(job, g, "unet.sample"); // [2, 4, h, w]
        NDArray t = NetworkGoldenTest.array(job, g, "unet.timestep"); // [2]
        NDArray ctx = NetworkGoldenTest.array(job, g, "unet.encoder_hidden_states"); // [2, L, D]
        NDArray pooled = NetworkGoldenTest.array(job, g, "unet.text_embeds"); // [2, P]
        NDArray ids = NetworkGoldenTest.array(job, g, "unet.time_ids"); // [2, 6]
        NDArray aug = unet.addedEmbedding(pooled, ids); // [2, T]
        check("unet.aug_emb", aug.toFloatArray(), g.readFloats("unet.aug_emb"));
        check(
            "unet.temb", unet.timeEmbedding(t).add(aug).toFloatArray(), g.readFloats("unet.temb"));
        check(
            "unet.out",
            unet.forward(x, t, ctx, pooled, ids).toFloatArray(),
            g.readFloats("unet.out"));
        int inJob = job.getManagedArrays().size();
        unet.forward(x, t, ctx, pooled, ids).close();
        assertEquals(inJob, job.getManagedArrays().size(), "forward leaked");
      }
    }
  }

  @Test
  void bothTextEncodersMatchPyTorch() {
    try (ModelPack p = ModelPack.open(PACK);
        SafetensorsFile g = SafetensorsFile.open(GOLDEN);
        NDManager weights = NDManager.newBaseManager()) {
      assertTrue(p.hasSecondTextEncoder());
      ClipTextModel one =
          new ClipTextModel(
              ClipTextConfig.fromJson(p.textEncoderConfig()),
              Parameters.strict(p.textEncoderWeights(), weights));
      ClipTextConfig c2 = ClipTextConfig.fromJson(p.textEncoder2Config());
      assertTrue(c2.withProjection());
      Parameters params2 = Parameters.strict(p.textEncoder2Weights(), weights);
      ClipTextModel two = new ClipTextModel(c2, params2);
      assertEquals(List.of(), params2.unusedKeys(), "text_projection is used");
      try (NDManager job = weights.newSubManager()) {
        for (String k : List.of("text", "text_2")) {
          NDArray ids =
              NetworkGoldenTest.array(job, g, k + ".input_ids").toType(DataType.INT64, false);
          ClipTextModel.Penultimate out = (k.equals("text") ? one : two).forwardPenultimate(ids);
          check(
              k + ".penultimate",
              out.penultimate().toFloatArray(),
              g.readFloats(k + ".penultimate"));
          check(k + ".pooled", out.pooled().toFloatArray(), g.readFloats(k + ".pooled"));
        }
      }
    }
  }
}
