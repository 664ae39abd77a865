package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading the tiny SDXL-shaped pack: the conditioning a request builds equals the PyTorch
 * pipeline's (models/training/stepwise_train/pipeline.py sdxl_ddim_txt2img), and packs whose SDXL
 * parts do not fit are refused in one sentence.
 */
class SdxlPackTest {
  @TempDir Path dir;

  private Path copy() throws IOException {
    Path src = SdxlGoldenTest.PACK;
    Path dst = dir.resolve("xl");
    try (var walk = Files.walk(src)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return dst;
  }

  @Test
  void conditioningMatchesThePyTorchPipeline() {
    try (DiffusionModel model = DiffusionModel.load(SdxlGoldenTest.PACK, Device.cpu());
        SafetensorsFile g = SafetensorsFile.open(SdxlGoldenTest.GOLDEN);
        NDManager job = model.newJobManager()) {
      List<String> notices = new ArrayList<>();
      Conditioning c =
          Conditioning.sdxl(
              model.sdxl(), g.metadata().get("ddim.prompt"), "", true, 1, 32, 32, job, notices);
      assertEquals(List.of(), notices);
      float[] want = g.readFloats("ddim.context"); // [2, L, D], uncond all zeros
      assertTrue(TestPacks.relErr(c.contexts()[0].toFloatArray(), want) <= 1e-3);
      float[] pooled = c.pooled()[0].toFloatArray(); // [2, P]
      assertTrue(TestPacks.relErr(pooled, g.readFloats("ddim.text_embeds")) <= 1e-3);
      for (int i = 0; i < pooled.length / 2; i++) {
        assertEquals(0f, pooled[i], "the empty negative is zeros");
      }
      assertTrue(
          TestPacks.relErr(c.timeIds()[0].get(1).toFloatArray(), g.readFloats("ddim.time_ids"))
              == 0);
      // A negative that is not empty is encoded.
      Conditioning n =
          Conditioning.sdxl(model.sdxl(), "a cat", "(a dog:1.2)", true, 2, 32, 48, job, notices);
      assertEquals(1, notices.size(), "clip skip only; emphasis is applied: " + notices);
      float[] neg = n.pooled()[0].toFloatArray();
      assertTrue(neg[0] != 0f || neg[1] != 0f);
      assertEquals(
          List.of(48f, 32f, 0f, 0f, 48f, 32f),
          List.of(toBoxed(n.timeIds()[0].get(1).toFloatArray())),
          "time ids: (height, width), crop (top, left), (height, width)");
    }
  }

  private static Float[] toBoxed(float[] a) {
    Float[] out = new Float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  @Test
  void aMissingSecondEncoderIsOneSentence() throws IOException {
    Path p = copy();
    try (var walk = Files.walk(p.resolve("text_encoder_2"))) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    try (var walk = Files.walk(p.resolve("tokenizer_2"))) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> DiffusionModel.load(p, Device.cpu()));
    assertTrue(e.getMessage().contains("text_encoder_2/"), e.getMessage());
    assertTrue(e.getMessage().endsWith("."), e.getMessage());
  }

  @Test
  void aWrongTimeIdWidthIsOneSentence() throws IOException {
    Path p = copy();
    Path config = p.resolve("unet/config.json");
    String json = Files.readString(config);
    Files.writeString(
        config,
        json.replace(
            "\"projection_class_embeddings_input_dim\": 60",
            "\"projection_class_embeddings_input_dim\": 44"));
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> DiffusionModel.load(p, Device.cpu()));
    assertTrue(e.getMessage().contains("projection_class_embeddings_input_dim 44"), e.getMessage());
    assertTrue(e.getMessage().contains("(60, SDXL base) or five (52"), e.getMessage());
  }
}
