package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.pack.CheckpointOptions;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.service.PackFacts;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.weights.TensorSource;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDXL single-file checkpoints (issue 21): the tiny SDXL pack written with Stability AI's names
 * gives the folder's pixels, and a full-size SDXL base file (header only, sparse) maps to exactly
 * the diffusers tensors, its configuration inferred from the shapes alone.
 */
class SdxlCheckpointTest {
  @TempDir Path tmp;

  /** Fields the tensors do not carry: taken from the folder for the tiny pack. */
  private static final Map<String, List<String>> NOT_INFERRED =
      Map.of(
          "unet", List.of("attention_head_dim", "norm_num_groups", "sample_size"),
          "vae", List.of("norm_num_groups", "sample_size"),
          "text_encoder", List.of("num_attention_heads"),
          // The tiny vocabulary's end token (id 68) marks the pooled position; CLIP's is 49407.
          "text_encoder_2", List.of("num_attention_heads", "eos_token_id"),
          "scheduler", List.of("timestep_spacing"));

  private static Map<String, Tensor> read(TensorSource s) {
    Map<String, Tensor> out = new TreeMap<>();
    try (NDManager m = NDManager.newBaseManager()) {
      for (String n : s.names()) {
        if (!n.endsWith("position_ids")) {
          NDArray a = s.load(n, m);
          out.put(n, new Tensor(a.getShape().getShape(), a.toFloatArray()));
        }
      }
    }
    return out;
  }

  private Path checkpointOf(Path folder) {
    Path file = tmp.resolve("tiny-sdxl.safetensors");
    try (ModelPack p = ModelPack.open(folder)) {
      Map<String, Tensor> ldm =
          LdmTestCheckpoints.toSdxlLdm(
              read(p.unetWeights()),
              p.unetConfig(),
              read(p.vaeWeights()),
              p.vaeConfig().getAsJsonArray("block_out_channels").size(),
              read(p.textEncoderWeights()),
              read(p.textEncoder2Weights()));
      LdmTestCheckpoints.write(ldm, file, true);
    }
    return file;
  }

  private static CheckpointOptions optionsFrom(Path folder) {
    Map<String, JsonObject> fields = new HashMap<>();
    try (ModelPack p = ModelPack.open(folder)) {
      Map<String, JsonObject> configs =
          Map.of(
              "unet", p.unetConfig(),
              "vae", p.vaeConfig(),
              "text_encoder", p.textEncoderConfig(),
              "text_encoder_2", p.textEncoder2Config(),
              "scheduler", p.schedulerConfig());
      NOT_INFERRED.forEach(
          (c, keys) -> {
            JsonObject o = new JsonObject();
            keys.forEach(k -> o.add(k, configs.get(c).get(k)));
            fields.put(c, o);
          });
    }
    return new CheckpointOptions(
        folder.resolve("tokenizer"), fields, folder.resolve("tokenizer_2"));
  }

  /** Every field the checkpoint's config has equals the folder's, where the folder writes it. */
  private static void assertSameFields(JsonObject inferred, JsonObject folder, String what) {
    int compared = 0;
    for (Map.Entry<String, JsonElement> e : inferred.entrySet()) {
      if (!e.getKey().startsWith("_") && folder.has(e.getKey())) {
        assertEquals(folder.get(e.getKey()), e.getValue(), what + " " + e.getKey());
        compared++;
      }
    }
    assertTrue(compared >= 5, what + ": compared " + compared);
  }

  private static RgbImage image(DiffusionModel m) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart emoji")
            .steps(3)
            .guidance(4)
            .seed(11)
            .previewMethod(PreviewMethod.OFF)
            .build();
    return new Pipeline(m)
        .run(r, new GenerationListener() {}, new CancellationToken())
        .images()
        .get(0)
        .image();
  }

  @Test
  void tinySdxlCheckpointMakesTheFoldersImage() {
    Path folder = TestPacks.byName("tiny-sdxl");
    Path file = checkpointOf(folder);
    try (ModelPack a = ModelPack.open(folder);
        ModelPack b = ModelPack.openCheckpoint(file, optionsFrom(folder))) {
      assertTrue(b.isCheckpoint() && b.hasSecondTextEncoder());
      assertSameFields(b.unetConfig(), a.unetConfig(), "unet");
      assertSameFields(b.vaeConfig(), a.vaeConfig(), "vae");
      assertSameFields(b.textEncoderConfig(), a.textEncoderConfig(), "text_encoder");
      assertSameFields(b.textEncoder2Config(), a.textEncoder2Config(), "text_encoder_2");
      assertSameFields(b.schedulerConfig(), a.schedulerConfig(), "scheduler");
      // Every weight of the second encoder, the transposed projection included, reads back equal.
      Map<String, Tensor> want = read(a.textEncoder2Weights());
      Map<String, Tensor> got = read(b.textEncoder2Weights());
      assertEquals(want.keySet(), got.keySet());
      want.forEach(
          (k, t) -> {
            assertArrayEquals(t.shape(), got.get(k).shape(), k);
            assertArrayEquals(t.values(), got.get(k).values(), k);
          });
      assertTrue(want.containsKey("text_projection.weight"));
      assertEquals(read(a.unetWeights()).keySet(), read(b.unetWeights()).keySet());
      assertTrue(
          b.notices().get(0).contains("was read as a Stable Diffusion XL checkpoint"),
          b.notices().toString());
    }
    try (DiffusionModel a = DiffusionModel.load(folder, Device.cpu());
        DiffusionModel b =
            DiffusionModel.load(
                ModelPack.openCheckpoint(file, optionsFrom(folder)), Device.cpu())) {
      RgbImage x = image(a);
      b.keepTextEncoders(false); // both encoders read from the one file, dropped, read again
      RgbImage y = image(b);
      assertEquals(32, y.width());
      assertArrayEquals(x.rgb(), y.rgb(), "the checkpoint's image differs from the folder's");
      assertFalse(b.textEncodersResident());
      assertArrayEquals(x.rgb(), image(b).rgb(), "the checkpoint's encoders read a second time");
      assertEquals(2, b.textEncoderReads());
    }
  }

  private static RgbImage withLora(DiffusionModel m, Path loras) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart emoji <lora:xl:0.9>")
            .loraFolder(loras)
            .steps(3)
            .guidance(4)
            .seed(11)
            .previewMethod(PreviewMethod.OFF)
            .build();
    return new Pipeline(m)
        .run(r, new GenerationListener() {}, new CancellationToken())
        .images()
        .get(0)
        .image();
  }

  /**
   * A kohya SDXL LoRA (the second encoder's attention, the UNet by its LDM name) merges into the
   * single-file checkpoint's layers as into the folder's: the same pixels, unlike without it.
   */
  @Test
  void anSdxlLoraOnTheCheckpointGivesTheFoldersImage() throws Exception {
    Path folder = TestPacks.byName("tiny-sdxl");
    Path file = checkpointOf(folder);
    Path loras = java.nio.file.Files.createDirectories(tmp.resolve("loras"));
    float[] d2 = new float[2 * 24];
    float[] u2 = new float[24 * 2];
    float[] du = new float[2 * 40];
    float[] uu = new float[12 * 2];
    for (float[] a : List.of(d2, u2, du, uu)) {
      for (int i = 0; i < a.length; i++) {
        a[i] = ((i * 7) % 11 - 5) * 0.3f;
      }
    }
    String te2 = "lora_te2_text_model_encoder_layers_0_self_attn_v_proj";
    String unet = "lora_unet_input_blocks_3_1_transformer_blocks_0_attn2_to_v";
    new dev.stepwise.engine.weights.SafetensorsWriter()
        .putF32(te2 + ".lora_down.weight", new long[] {2, 24}, d2)
        .putF32(te2 + ".lora_up.weight", new long[] {24, 2}, u2)
        .putF32(unet + ".lora_down.weight", new long[] {2, 40}, du)
        .putF32(unet + ".lora_up.weight", new long[] {12, 2}, uu)
        .write(loras.resolve("xl.safetensors"));
    try (DiffusionModel a = DiffusionModel.load(folder, Device.cpu());
        DiffusionModel b =
            DiffusionModel.load(
                ModelPack.openCheckpoint(file, optionsFrom(folder)), Device.cpu())) {
      RgbImage plain = image(b);
      RgbImage y = withLora(b, loras);
      assertEquals(2, b.loraChangedLayers());
      assertArrayEquals(withLora(a, loras).rgb(), y.rgb(), "the checkpoint's LoRA image differs");
      assertTrue(!java.util.Arrays.equals(plain.rgb(), y.rgb()), "the LoRA changes the image");
    }
  }

  /** A time-id width that does not divide into six: one sentence naming the number. */
  @Test
  void addedEmbeddingOfTheWrongWidthIsRefused() {
    Path folder = TestPacks.byName("tiny-sdxl");
    Path file = tmp.resolve("bad-time-ids.safetensors");
    try (ModelPack p = ModelPack.open(folder)) {
      Map<String, Tensor> unet = read(p.unetWeights());
      unet.put("add_embedding.linear_1.weight", new Tensor(new long[] {32, 61}, null));
      LdmTestCheckpoints.write(
          LdmTestCheckpoints.toSdxlLdm(
              unet,
              p.unetConfig(),
              read(p.vaeWeights()),
              3,
              read(p.textEncoderWeights()),
              read(p.textEncoder2Weights())),
          file,
          true);
    }
    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () -> ModelPack.openCheckpoint(file, optionsFrom(folder)).close());
    assertTrue(
        e.getMessage().contains("takes 61 added inputs (label_emb.0.0), which is not the pooled"),
        e.getMessage());
  }

  private static void assertSameTensors(RandomWeights want, TensorSource got) {
    assertEquals(want.requested().keySet(), got.names());
    want.requested().forEach((k, s) -> assertArrayEquals(s, got.shape(k), k));
  }

  /**
   * The full-size SDXL base file (fp16, 3.5 billion parameters as a sparse file): every diffusers
   * tensor present with its shape, nothing left over, and the published configuration (transformer
   * depths 1, 2, 10; heads 5, 10, 20; 256-wide time ids; OpenCLIP bigG's 32 layers and projection)
   * inferred from the shapes.
   */
  @Test
  void fullSizeSdxlCheckpointHasTheDiffusersTensorsAndConfig() throws Exception {
    Path file = tmp.resolve("sdxl-zero.safetensors");
    Map<String, RandomWeights> shapes = SdxlCheckpoint.write(file);
    RandomWeights unet = shapes.get("unet");
    RandomWeights vae = shapes.get("vae");
    RandomWeights clip = shapes.get("text");
    RandomWeights clip2 = shapes.get("text2");
    try (ModelPack p = ModelPack.open(file)) {
      assertSameTensors(unet, p.unetWeights());
      assertSameTensors(vae, p.vaeWeights());
      assertSameTensors(clip, p.textEncoderWeights());
      assertSameTensors(clip2, p.textEncoder2Weights());
      assertEquals(2_567_463_684L, unet.parameterCount());
      assertEquals(694_659_840L, clip2.parameterCount());
      JsonObject u = p.unetConfig();
      assertEquals("[320,640,1280]", u.get("block_out_channels").toString());
      assertEquals("[1,2,10]", u.get("transformer_layers_per_block").toString());
      assertEquals("[5,10,20]", u.get("attention_head_dim").toString());
      assertEquals(
          "[\"DownBlock2D\",\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\"]",
          u.get("down_block_types").toString());
      assertEquals(2048, u.get("cross_attention_dim").getAsInt());
      assertEquals("text_time", u.get("addition_embed_type").getAsString());
      assertEquals(256, u.get("addition_time_embed_dim").getAsInt());
      assertEquals(2816, u.get("projection_class_embeddings_input_dim").getAsInt());
      assertEquals(128, u.get("sample_size").getAsInt());
      assertTrue(u.get("use_linear_projection").getAsBoolean());
      // The inferred config builds a UNet that asks for exactly the file's tensors.
      RandomWeights inferred = RandomWeights.shapesOnly();
      try (NDManager m = NDManager.newBaseManager()) {
        new UNet2DConditionModel(
            UNetConfig.fromJson(p.unetConfig()), Parameters.random(inferred, m));
      }
      assertSameTensors(inferred, p.unetWeights());
      JsonObject t2 = p.textEncoder2Config();
      assertEquals(20, t2.get("num_attention_heads").getAsInt());
      assertEquals(32, t2.get("num_hidden_layers").getAsInt());
      assertEquals(1280, t2.get("projection_dim").getAsInt());
      assertEquals("gelu", t2.get("hidden_act").getAsString());
      assertEquals("quick_gelu", p.textEncoderConfig().get("hidden_act").getAsString());
      assertEquals(0.13025, p.vaeConfig().get("scaling_factor").getAsDouble());
      assertEquals("epsilon", p.schedulerConfig().get("prediction_type").getAsString());
      // Tokenizer 1 pads with its end token, tokenizer 2 with "!" (id 0).
      PromptTokenizer t1 = p.tokenizer(77);
      PromptTokenizer t2tok = p.tokenizer2(77);
      int[] ids1 = t1.encode("a cat").ids();
      int[] ids2 = t2tok.encode("a cat").ids();
      assertEquals(49407, ids1[76]);
      assertEquals(0, ids2[76]);
      assertEquals(ids1[1], ids2[1]);
    }
    PackFacts facts = PackFacts.read(file); // what the studio shows: SDXL at 1024 pixels
    assertTrue(facts.sdxl());
    assertEquals(1024, facts.nativeSize());
  }
}
