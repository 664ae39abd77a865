package dev.stepwise.engine.preview;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The built-in pack's preview decoder (vae_preview/, distilled by
 * models/training/train_preview_decoder.py) against the PyTorch goldens of make_pack_goldens.py:
 * vae_preview.decode.out = the decoder's output in [-1, 1] before any upscaling, within the
 * tolerance of the other networks (max|java - torch| / max|torch| <= 1e-3).
 */
class BuiltInPreviewDecoderGoldenTest {
  @Test
  void builtInPreviewDecoderMatchesPyTorchAndFitsThePack() {
    Path pack = TestPacks.builtIn();
    Path dir = pack.resolve("vae_preview");
    try (ModelPack p = ModelPack.open(pack);
        SafetensorsFile g =
            SafetensorsFile.open(TestPacks.GOLDEN.resolve("stepwise-emoji.safetensors"));
        TinyDecoder d = TinyDecoder.load(dir, Device.cpu());
        NDManager m = NDManager.newBaseManager(Device.cpu())) {
      assertNotNull(p.previewDecoderDir(), "the built-in pack ships a preview decoder");
      double scaling = p.vaeConfig().get("scaling_factor").getAsDouble();
      d.checkFits(4, scaling, "stepwise-emoji");
      assertEquals(
          scaling, d.madeForScalingFactor().orElseThrow(), 1e-12, "it says which latents it reads");
      assertTrue(
          g.names().contains("vae_preview.decode.out"), "make_pack_goldens.py wrote its goldens");
      NDArray z =
          m.create(
              g.readFloats("vae_preview.decode.z"), new Shape(g.shape("vae_preview.decode.z")));
      float[] got =
          d.network().decode(z.div(d.config().scalingFactor())).toFloatArray(); // [1, 3, h f, w f]
      float[] want = g.readFloats("vae_preview.decode.out");
      double e = TestPacks.relErr(got, want);
      assertTrue(e <= 1e-3, "relative error " + e);
    }
  }
}
