package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import dev.stepwise.engine.weights.TensorSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full-size SDXL refiner file (sd_xl_refiner.yaml: model_channels 384, channel_mult [1, 2, 4, 4],
 * attention on the middle two levels, transformer depth 4, context 1280, adm_in_channels 2560;
 * OpenCLIP bigG alone as {@code conditioner.embedders.0.model.*}), written as a sparse file: every
 * diffusers tensor present with its shape, nothing left over, and the configuration inferred from
 * the shapes. The UNet's count equals the project's PyTorch reference on the meta device
 * (models/training/tests/test_sdxl_architecture.py).
 */
class SdxlRefinerFullSizeTest {
  @TempDir Path tmp;

  static final String REFINER_UNET =
      "{\"addition_embed_type\": \"text_time\", \"addition_time_embed_dim\": 256,"
          + " \"attention_head_dim\": [6, 12, 24, 24],"
          + " \"block_out_channels\": [384, 768, 1536, 1536], \"cross_attention_dim\": 1280,"
          + " \"down_block_types\": [\"DownBlock2D\", \"CrossAttnDownBlock2D\","
          + " \"CrossAttnDownBlock2D\", \"DownBlock2D\"], \"up_block_types\": [\"UpBlock2D\","
          + " \"CrossAttnUpBlock2D\", \"CrossAttnUpBlock2D\", \"UpBlock2D\"],"
          + " \"projection_class_embeddings_input_dim\": 2560, \"sample_size\": 128,"
          + " \"transformer_layers_per_block\": [4, 4, 4, 4], \"use_linear_projection\": true}";

  static final String BIG_G =
      "{\"architectures\": [\"CLIPTextModelWithProjection\"], \"vocab_size\": 49408,"
          + " \"hidden_size\": 1280, \"intermediate_size\": 5120, \"num_hidden_layers\": 32,"
          + " \"num_attention_heads\": 20, \"projection_dim\": 1280, \"hidden_act\": \"gelu\"}";

  private static JsonObject json(String s) {
    return JsonParser.parseString(s).getAsJsonObject();
  }

  private static RandomWeights shapes(java.util.function.Consumer<Parameters> build) {
    RandomWeights w = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      build.accept(Parameters.random(w, m));
    }
    return w;
  }

  private static Map<String, Tensor> tensors(RandomWeights w) {
    Map<String, Tensor> out = new TreeMap<>();
    w.requested().forEach((k, s) -> out.put(k, new Tensor(s, null)));
    return out;
  }

  private static void assertSameTensors(RandomWeights want, TensorSource got) {
    assertEquals(want.requested().keySet(), got.names());
    want.requested().forEach((k, s) -> assertArrayEquals(s, got.shape(k), k));
  }

  @Test
  void fullSizeRefinerHasTheDiffusersTensorsAndConfig() throws Exception {
    RandomWeights unet =
        shapes(p -> new UNet2DConditionModel(UNetConfig.fromJson(json(REFINER_UNET)), p));
    RandomWeights vae =
        shapes(p -> new AutoencoderKL(VaeConfig.fromJson(json(Sd15Checkpoint.VAE_CONFIG)), p));
    RandomWeights bigG = shapes(p -> new ClipTextModel(ClipTextConfig.fromJson(json(BIG_G)), p));
    Map<String, Tensor> base =
        LdmTestCheckpoints.toSdxlLdm(
            tensors(unet),
            json("{\"layers_per_block\": 2}"),
            tensors(vae),
            4,
            Map.of(),
            tensors(bigG));
    Map<String, Tensor> ldm = new TreeMap<>();
    base.forEach(
        (k, t) ->
            ldm.put(
                k.replace("conditioner.embedders.1.model.", "conditioner.embedders.0.model."), t));
    Path file = tmp.resolve("refiner-zero.safetensors");
    LdmTestCheckpoints.writeSparse(ldm, file);
    try (ModelPack p = ModelPack.open(file)) {
      assertTrue(p.secondEncoderOnly() && !p.forceZerosForEmptyPrompt());
      assertSameTensors(unet, p.unetWeights());
      assertSameTensors(vae, p.vaeWeights());
      assertSameTensors(bigG, p.textEncoderWeights());
      assertEquals(2_259_526_660L, unet.parameterCount());
      JsonObject u = p.unetConfig();
      assertEquals("[384,768,1536,1536]", u.get("block_out_channels").toString());
      assertEquals("[1,4,4,4]", u.get("transformer_layers_per_block").toString());
      assertEquals("[6,12,24,24]", u.get("attention_head_dim").toString());
      assertEquals(1280, u.get("cross_attention_dim").getAsInt());
      assertEquals(256, u.get("addition_time_embed_dim").getAsInt());
      assertEquals(2560, u.get("projection_class_embeddings_input_dim").getAsInt());
      // The inferred config builds a UNet that asks for exactly the file's tensors.
      assertSameTensors(
          shapes(q -> new UNet2DConditionModel(UNetConfig.fromJson(p.unetConfig()), q)),
          p.unetWeights());
      JsonObject t = p.textEncoderConfig();
      assertEquals(32, t.get("num_hidden_layers").getAsInt());
      assertEquals(1280, t.get("projection_dim").getAsInt());
      assertEquals("gelu", t.get("hidden_act").getAsString());
      PromptTokenizer tok = p.tokenizer(77);
      assertEquals(0, tok.encode("a cat").ids()[76], "padded with \"!\" as OpenCLIP's");
    }
  }
}
