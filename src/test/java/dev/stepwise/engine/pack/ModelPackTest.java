package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelPackTest {
  @TempDir Path tmp;

  private String openFails(Path root) {
    return assertThrows(ModelPackException.class, () -> ModelPack.open(root)).getMessage();
  }

  @Test
  void completeTinyFolderOpensAndLoads() throws Exception {
    Path root = TinyPack.create(tmp.resolve("tiny-sd"));
    try (ModelPack p = ModelPack.open(root);
        NDManager m = NDManager.newBaseManager()) {
      assertEquals("tiny-sd", p.name());
      assertEquals(root, p.root());
      assertEquals("StableDiffusionPipeline", p.pipelineClass());
      assertEquals(4, p.unetConfig().get("in_channels").getAsInt());
      assertEquals(0.18215, p.vaeConfig().get("scaling_factor").getAsDouble(), 0);
      assertEquals(8, p.textEncoderConfig().get("hidden_size").getAsInt());
      assertEquals(1000, p.schedulerConfig().get("num_train_timesteps").getAsInt());
      assertEquals(List.of(), p.notices());
      assertEquals(root.resolve("tokenizer"), p.tokenizerDir());
      assertTrue(p.tokenizerFiles().hasTokenizerJson());
      assertFalse(p.tokenizerFiles().hasVocabAndMerges());
      assertNull(p.latentRgbFactors());
      assertNull(p.latentRgbBias());

      TensorSource unet = p.unetWeights();
      assertSame(unet, p.unetWeights());
      assertArrayEquals(new long[] {2, 4, 1, 1}, unet.shape("conv_in.weight"));
      assertArrayEquals(new float[] {0.5f, -0.25f}, unet.load("conv_in.bias", m).toFloatArray());
      assertTrue(unet.origin().endsWith("unet/diffusion_pytorch_model.safetensors"));
      assertArrayEquals(
          new float[] {0.1f, 0.2f, 0.3f},
          p.vaeWeights().load("decoder.conv_out.bias", m).toFloatArray());
      assertArrayEquals(
          new float[] {1, -1},
          p.textEncoderWeights().load("text_model.final_layer_norm.weight", m).toFloatArray());
      // Raw configs are copies: callers cannot change the pack's view.
      p.unetConfig().addProperty("in_channels", 9);
      assertEquals(4, p.unetConfig().get("in_channels").getAsInt());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "model_index.json",
        "unet/config.json",
        "vae/config.json",
        "text_encoder/config.json",
        "scheduler/scheduler_config.json",
        "vae/diffusion_pytorch_model.safetensors",
        "text_encoder/model.safetensors"
      })
  void missingRequiredFileIsNamed(String relative) throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Files.delete(root.resolve(relative));
    String msg = openFails(root);
    assertTrue(msg.startsWith("model pack " + root + ": " + relative + " is missing"), msg);
  }

  @Test
  void missingComponentFolderAndPackAreNamed() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Files.delete(root.resolve("tokenizer/tokenizer.json"));
    Files.delete(root.resolve("tokenizer"));
    assertEquals("model pack " + root + ": the tokenizer/ folder is missing.", openFails(root));
    Path none = tmp.resolve("nothing-here");
    assertEquals("model pack " + none + " does not exist.", openFails(none));
    Path file = Files.writeString(tmp.resolve("x.safetensors"), "x");
    assertTrue(
        openFails(file).contains("8-byte header length"), openFails(file)); // read as a checkpoint
  }

  @Test
  void sdStyleFolderIgnoresExtrasWithNotices() throws Exception {
    Path root = TinyPack.create(tmp.resolve("stable-diffusion-v1-5"));
    TinyPack.write(root, "safety_checker/config.json", "{}");
    TinyPack.write(root, "safety_checker/model.safetensors", "junk");
    TinyPack.write(root, "feature_extractor/preprocessor_config.json", "{}");
    TinyPack.write(root, "unet/diffusion_pytorch_model.fp16.safetensors", "junk");
    TinyPack.write(root, "unet/diffusion_pytorch_model.bin", "junk");
    TinyPack.write(root, "unet/diffusion_pytorch_model.non_ema.bin", "junk");
    TinyPack.write(root, "vae/diffusion_pytorch_model.onnx", "junk");
    TinyPack.write(root, "text_encoder/pytorch_model.bin", "junk");
    TinyPack.write(root, "text_encoder/flax_model.msgpack", "junk");
    TinyPack.write(root, "v1-5-pruned-emaonly.ckpt", "junk");
    TinyPack.write(root, "README.md", "# readme");
    TinyPack.write(root, ".gitattributes", "*.bin filter=lfs");
    try (ModelPack p = ModelPack.open(root)) {
      assertEquals(
          List.of(
              "unet/diffusion_pytorch_model.bin ignored: Stepwise uses"
                  + " unet/diffusion_pytorch_model.safetensors.",
              "unet/diffusion_pytorch_model.fp16.safetensors ignored: Stepwise uses"
                  + " unet/diffusion_pytorch_model.safetensors.",
              "unet/diffusion_pytorch_model.non_ema.bin ignored: Stepwise uses"
                  + " unet/diffusion_pytorch_model.safetensors.",
              "vae/diffusion_pytorch_model.onnx ignored: Stepwise uses"
                  + " vae/diffusion_pytorch_model.safetensors.",
              "text_encoder/flax_model.msgpack ignored: Stepwise uses"
                  + " text_encoder/model.safetensors.",
              "text_encoder/pytorch_model.bin ignored: Stepwise uses"
                  + " text_encoder/model.safetensors.",
              "feature_extractor/ ignored: Stepwise does not use this component.",
              "safety_checker/ ignored: Stepwise does not use this component.",
              "v1-5-pruned-emaonly.ckpt ignored: Stepwise reads the diffusers component folders,"
                  + " not single-file checkpoints."),
          p.notices());
      assertEquals(2, p.unetWeights().names().size());
    }
  }

  @Test
  void folderWithOnlyBinWeightsSaysStepwiseReadsSafetensors() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Files.delete(root.resolve("unet/diffusion_pytorch_model.safetensors"));
    TinyPack.write(root, "unet/diffusion_pytorch_model.bin", "pickle");
    assertEquals(
        "model pack "
            + root
            + ": unet/ holds only diffusion_pytorch_model.bin (PyTorch pickle"
            + " weights); Stepwise reads safetensors only, so convert them to"
            + " unet/diffusion_pytorch_model.safetensors.",
        openFails(root));
  }

  @Test
  void folderWithOnlyTheFp16VariantUsesItWithANotice() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Files.move(
        root.resolve("vae/diffusion_pytorch_model.safetensors"),
        root.resolve("vae/diffusion_pytorch_model.fp16.safetensors"));
    try (ModelPack p = ModelPack.open(root)) {
      assertTrue(
          p.vaeWeights().origin().endsWith("diffusion_pytorch_model.fp16.safetensors"),
          p.vaeWeights().origin());
      assertTrue(
          p.notices()
              .contains(
                  "vae/diffusion_pytorch_model.fp16.safetensors used: the folder has no"
                      + " diffusion_pytorch_model.safetensors."),
          p.notices().toString());
    }
  }

  @Test
  void folderWithOnlyAnotherVariantNamesIt() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Files.move(
        root.resolve("vae/diffusion_pytorch_model.safetensors"),
        root.resolve("vae/diffusion_pytorch_model.non_ema.safetensors"));
    String msg = openFails(root);
    assertTrue(
        msg.startsWith(
            "model pack "
                + root
                + ": vae/diffusion_pytorch_model.safetensors"
                + " is missing; the folder has only diffusion_pytorch_model.non_ema.safetensors"),
        msg);
  }

  @Test
  void tokenizerWithVocabAndMerges() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    Files.delete(root.resolve("tokenizer/tokenizer.json"));
    TinyPack.write(root, "tokenizer/vocab.json", "{\"a</w>\": 0}");
    TinyPack.write(root, "tokenizer/merges.txt", "#version: 0.2\na b\n");
    TinyPack.write(root, "tokenizer/tokenizer_config.json", "{}");
    try (ModelPack p = ModelPack.open(root)) {
      TokenizerFiles t = p.tokenizerFiles();
      assertTrue(t.hasVocabAndMerges());
      assertFalse(t.hasTokenizerJson());
      assertEquals(root.resolve("tokenizer/merges.txt"), t.mergesTxt());
      assertEquals(root.resolve("tokenizer/tokenizer_config.json"), t.tokenizerConfigJson());
      assertNull(t.specialTokensMapJson());
    }
    Files.delete(root.resolve("tokenizer/merges.txt"));
    assertTrue(openFails(root).contains(": tokenizer/merges.txt is missing (tokenizer/ needs"));
  }

  @Test
  void malformedAndOversizedConfigsNameTheFile() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    TinyPack.write(root, "vae/config.json", "{\"latent_channels\": 4,}");
    String msg = openFails(root);
    assertTrue(msg.startsWith("model pack " + root + ": vae/config.json is not valid JSON"), msg);
    TinyPack.write(root, "vae/config.json", "[4]");
    assertTrue(openFails(root).contains("vae/config.json must hold a JSON object, not an array"));
    TinyPack.write(root, "vae/config.json", "{\"a\": \"" + "x".repeat(1 << 20) + "\"}");
    assertTrue(
        openFails(root)
            .contains(
                "vae/config.json is 1048585 bytes; config files may be at most 1048576 bytes"));
  }

  @Test
  void modelIndexEntriesAreChecked() throws Exception {
    Path root = TinyPack.create(tmp.resolve("p"));
    TinyPack.write(
        root,
        "model_index.json",
        TinyPack.MODEL_INDEX.replace("[\"diffusers\", \"UNet2DConditionModel\"]", "[null, null]"));
    assertTrue(openFails(root).contains("model_index.json marks unet as absent"));
    TinyPack.write(
        root,
        "model_index.json",
        TinyPack.MODEL_INDEX.replace("[\"diffusers\", \"AutoencoderKL\"]", "\"AutoencoderKL\""));
    assertTrue(openFails(root).contains("model_index.json entry \"vae\" is \"AutoencoderKL\""));
    TinyPack.write(root, "model_index.json", "{\"_class_name\": \"StableDiffusionPipeline\"}");
    try (ModelPack p = ModelPack.open(root)) {
      assertEquals(5, p.notices().size());
      assertTrue(p.notices().get(0).startsWith("model_index.json does not list unet"));
    }
  }

  @Test
  void closeClosesOpenedWeights() throws Exception {
    ModelPack p = ModelPack.open(TinyPack.create(tmp.resolve("p")));
    TensorSource unet = p.unetWeights();
    p.close();
    try (NDManager m = NDManager.newBaseManager()) {
      assertThrows(IllegalStateException.class, () -> unet.load("conv_in.bias", m));
    }
    assertThrows(IllegalStateException.class, p::vaeWeights);
  }
}
