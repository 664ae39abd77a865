package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each network against the project's PyTorch reference (models/training/make_goldens.py; contract
 * in docs/goldens.md): max|java - torch| / max|torch| <= 1e-3 in fp32. tiny-sd is SD 1.x-like (conv
 * projections, quick_gelu, F16 weights); tiny-sd2 is SD 2.x-like (linear projections, per-block
 * head counts, gelu, F16 weights, sharded UNet, an odd 9x7 latent).
 */
class NetworkGoldenTest {
  private static final double TOLERANCE = 1e-3;

  static NDArray array(NDManager m, SafetensorsFile g, String key) {
    return m.create(g.readFloats(key), new Shape(g.shape(key)));
  }

  private static void check(String what, float[] got, float[] want) {
    double e = TestPacks.relErr(got, want);
    assertTrue(e <= TOLERANCE, what + ": relative error " + e + " > " + TOLERANCE);
  }

  private static Path pack(String name) {
    return TestPacks.byName(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-sd", "tiny-sd2", "stepwise-emoji"})
  void unetMatchesPyTorchAndLeaksNothing(String name) {
    try (ModelPack p = ModelPack.open(pack(name));
        SafetensorsFile g = SafetensorsFile.open(TestPacks.GOLDEN.resolve(name + ".safetensors"));
        NDManager weights = NDManager.newBaseManager()) {
      Parameters params = Parameters.strict(p.unetWeights(), weights);
      UNet2DConditionModel unet =
          new UNet2DConditionModel(UNetConfig.fromJson(p.unetConfig()), params);
      assertEquals(java.util.List.of(), params.unusedKeys(), "every tensor of the pack is used");
      int loaded = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray x = array(job, g, "unet.sample"); // [2, 4, h, w]
        NDArray t = array(job, g, "unet.timestep"); // [2]
        NDArray ctx = array(job, g, "unet.encoder_hidden_states"); // [2, L, D]
        check(name + " unet.temb", unet.timeEmbedding(t).toFloatArray(), g.readFloats("unet.temb"));
        check(name + " unet.out", unet.forward(x, t, ctx).toFloatArray(), g.readFloats("unet.out"));
        int inJob = job.getManagedArrays().size();
        for (int i = 0; i < 5; i++) {
          unet.forward(x, t, ctx).close();
        }
        assertEquals(
            inJob, job.getManagedArrays().size(), "forward leaked into the caller's manager");
      }
      assertEquals(
          loaded, weights.getManagedArrays().size(), "forward leaked into the weights' manager");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-sd", "tiny-sd2", "stepwise-emoji"})
  void textEncoderAndAutoencoderMatchPyTorch(String name) {
    try (ModelPack p = ModelPack.open(pack(name));
        SafetensorsFile g = SafetensorsFile.open(TestPacks.GOLDEN.resolve(name + ".safetensors"));
        NDManager weights = NDManager.newBaseManager()) {
      ClipTextModel clip =
          new ClipTextModel(
              ClipTextConfig.fromJson(p.textEncoderConfig()),
              Parameters.strict(p.textEncoderWeights(), weights));
      AutoencoderKL vae =
          new AutoencoderKL(
              VaeConfig.fromJson(p.vaeConfig()), Parameters.strict(p.vaeWeights(), weights));
      int loaded = weights.getManagedArrays().size();
      try (NDManager job = weights.newSubManager()) {
        NDArray ids = array(job, g, "text.input_ids").toType(DataType.INT64, false); // [2, L]
        check(
            name + " text.last_hidden_state",
            clip.forward(ids).toFloatArray(),
            g.readFloats("text.last_hidden_state"));
        check(
            name + " vae.decode.out",
            vae.decode(array(job, g, "vae.decode.z")).toFloatArray(),
            g.readFloats("vae.decode.out"));
        check(
            name + " vae.encode.moments",
            vae.encodeMoments(array(job, g, "vae.encode.x")).toFloatArray(),
            g.readFloats("vae.encode.moments"));
      }
      assertEquals(
          loaded, weights.getManagedArrays().size(), "forward leaked into the weights' manager");
    }
  }
}
