package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The full-size Stable Diffusion configurations construct with exactly diffusers' and transformers'
 * parameter names and counts (known figures: SD 1.5 UNet 859,520,964, SD 2 UNet 865,910,724, SD VAE
 * 83,653,863, CLIP ViT-L/14 text 123,060,480, SDXL base UNet 2,567,463,684, SDXL's OpenCLIP
 * ViT-bigG text encoder with projection 694,659,840; the SDXL figures are also what the project's
 * PyTorch reference counts, models/training/tests/test_sdxl_architecture.py). Shapes only: nothing
 * is allocated, nothing runs (the full-size forward pass belongs to the benchmark).
 */
class FullSizeArchitectureTest {

  private static RandomWeights unet(UNetConfig c) {
    RandomWeights w = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      new UNet2DConditionModel(c, Parameters.random(w, m));
    }
    return w;
  }

  @Test
  void sd15UnetHasDiffusersNamesAndCount() {
    RandomWeights w = unet(UNetBenchmark.sd15Config());
    assertEquals(859_520_964L, w.parameterCount());
    Map<String, long[]> keys = w.requested();
    assertEquals(686, keys.size());
    assertArrayEquals(
        new long[] {640, 320, 1, 1}, keys.get("down_blocks.1.resnets.0.conv_shortcut.weight"));
    assertArrayEquals(
        new long[] {1280, 1920, 3, 3}, keys.get("up_blocks.1.resnets.2.conv1.weight"));
    assertArrayEquals(
        new long[] {320, 768},
        keys.get("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
    assertArrayEquals(
        new long[] {2560, 320},
        keys.get("down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight"));
    assertArrayEquals(
        new long[] {320, 320, 1, 1}, keys.get("down_blocks.0.attentions.0.proj_in.weight"));
    assertArrayEquals(
        new long[] {1280, 1280, 3, 3}, keys.get("up_blocks.0.upsamplers.0.conv.weight"));
    assertTrue(keys.containsKey("mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0.bias"));
  }

  @Test
  void sd2UnetUsesLinearProjectionsAndPerBlockHeads() {
    JsonObject o =
        JsonParser.parseString(
                "{\"attention_head_dim\": [5, 10, 20, 20], \"cross_attention_dim\": 1024,"
                    + " \"use_linear_projection\": true, \"sample_size\": 96, \"upcast_attention\":"
                    + " true}")
            .getAsJsonObject();
    RandomWeights w = unet(UNetConfig.fromJson(o));
    assertEquals(865_910_724L, w.parameterCount());
    assertArrayEquals(
        new long[] {320, 320}, w.requested().get("down_blocks.0.attentions.0.proj_in.weight"));
  }

  @Test
  void sdAutoencoderAndClipVitLText() {
    RandomWeights vae = RandomWeights.shapesOnly();
    RandomWeights clip = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      new AutoencoderKL(
          VaeConfig.fromJson(
              JsonParser.parseString(
                      "{\"block_out_channels\": [128, 256, 512, 512], \"layers_per_block\": 2,"
                          + " \"latent_channels\": 4, \"down_block_types\":"
                          + " [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\","
                          + " \"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\":"
                          + " [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\","
                          + " \"UpDecoderBlock2D\"]}")
                  .getAsJsonObject()),
          Parameters.random(vae, m));
      new ClipTextModel(
          ClipTextConfig.fromJson(
              JsonParser.parseString(
                      "{\"vocab_size\": 49408, \"hidden_size\": 768, \"intermediate_size\": 3072,"
                          + " \"num_hidden_layers\": 12, \"num_attention_heads\": 12,"
                          + " \"max_position_embeddings\": 77, \"hidden_act\": \"quick_gelu\"}")
                  .getAsJsonObject()),
          Parameters.random(clip, m));
    }
    assertEquals(83_653_863L, vae.parameterCount());
    assertEquals(123_060_480L, clip.parameterCount());
    assertTrue(clip.requested().containsKey("text_model.encoder.layers.11.mlp.fc2.weight"));
  }

  /**
   * stabilityai/stable-diffusion-xl-base-1.0 vae/config.json: SD's autoencoder, its own scaling
   * factor; the count is also test_sdxl_architecture.py's (PyTorch, meta device).
   */
  @Test
  void sdxlAutoencoder() {
    RandomWeights vae = RandomWeights.shapesOnly();
    VaeConfig config =
        VaeConfig.fromJson(
            JsonParser.parseString(
                    "{\"block_out_channels\": [128, 256, 512, 512], \"layers_per_block\": 2,"
                        + " \"latent_channels\": 4, \"norm_num_groups\": 32, \"sample_size\":"
                        + " 1024, \"scaling_factor\": 0.13025, \"force_upcast\": true,"
                        + " \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\","
                        + " \"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\":"
                        + " [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\","
                        + " \"UpDecoderBlock2D\"]}")
                .getAsJsonObject());
    try (NDManager m = NDManager.newBaseManager()) {
      new AutoencoderKL(config, Parameters.random(vae, m));
    }
    assertEquals(83_653_863L, vae.parameterCount());
    assertEquals(0.13025, config.scalingFactor());
    assertArrayEquals(
        new long[] {128, 128, 3, 3},
        vae.requested().get("decoder.up_blocks.3.resnets.2.conv2.weight"));
  }

  /**
   * stabilityai/stable-diffusion-xl-base-1.0 unet/config.json, fields that differ from defaults.
   */
  static final String SDXL_UNET =
      "{\"addition_embed_type\": \"text_time\", \"addition_time_embed_dim\": 256,"
          + " \"attention_head_dim\": [5, 10, 20], \"block_out_channels\": [320, 640, 1280],"
          + " \"cross_attention_dim\": 2048, \"down_block_types\": [\"DownBlock2D\","
          + " \"CrossAttnDownBlock2D\", \"CrossAttnDownBlock2D\"], \"up_block_types\":"
          + " [\"CrossAttnUpBlock2D\", \"CrossAttnUpBlock2D\", \"UpBlock2D\"],"
          + " \"projection_class_embeddings_input_dim\": 2816, \"sample_size\": 128,"
          + " \"transformer_layers_per_block\": [1, 2, 10], \"use_linear_projection\": true,"
          + " \"num_attention_heads\": null, \"addition_embed_type_num_heads\": 64}";

  @Test
  void sdxlBaseUnetHasDiffusersNamesAndCount() {
    RandomWeights w =
        unet(UNetConfig.fromJson(JsonParser.parseString(SDXL_UNET).getAsJsonObject()));
    assertEquals(2_567_463_684L, w.parameterCount());
    Map<String, long[]> keys = w.requested();
    assertArrayEquals(new long[] {1280, 2816}, keys.get("add_embedding.linear_1.weight"));
    assertArrayEquals(new long[] {1280, 1280}, keys.get("add_embedding.linear_2.weight"));
    assertTrue(!keys.containsKey("down_blocks.0.attentions.0.norm.weight"));
    assertTrue(keys.containsKey("down_blocks.1.attentions.1.transformer_blocks.1.norm1.weight"));
    assertTrue(!keys.containsKey("down_blocks.1.attentions.1.transformer_blocks.2.norm1.weight"));
    assertTrue(keys.containsKey("mid_block.attentions.0.transformer_blocks.9.norm3.weight"));
    assertTrue(keys.containsKey("up_blocks.0.attentions.2.transformer_blocks.9.norm3.weight"));
    assertTrue(!keys.containsKey("up_blocks.2.attentions.0.norm.weight"));
    assertArrayEquals(
        new long[] {1280, 2048},
        keys.get("down_blocks.2.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
  }

  @Test
  void sdxlTextEncoder2WithProjection() {
    RandomWeights clip = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      new ClipTextModel(
          ClipTextConfig.fromJson(
              JsonParser.parseString(
                      "{\"architectures\": [\"CLIPTextModelWithProjection\"], \"vocab_size\":"
                          + " 49408, \"hidden_size\": 1280, \"intermediate_size\": 5120,"
                          + " \"num_hidden_layers\": 32, \"num_attention_heads\": 20,"
                          + " \"projection_dim\": 1280, \"hidden_act\": \"gelu\"}")
                  .getAsJsonObject()),
          Parameters.random(clip, m));
    }
    assertEquals(694_659_840L, clip.parameterCount());
    assertArrayEquals(new long[] {1280, 1280}, clip.requested().get("text_projection.weight"));
  }

  @Test
  void otherFamilyMembersAreRefusedNamingTheField() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                UNetConfig.fromJson(
                    JsonParser.parseString("{\"addition_embed_type\": \"text_image\"}")
                        .getAsJsonObject()));
    assertTrue(e.getMessage().contains("addition_embed_type \"text_image\""), e.getMessage());
    e =
        assertThrows(
            EngineException.class,
            () ->
                UNetConfig.fromJson(
                    JsonParser.parseString("{\"addition_embed_type\": \"text_time\"}")
                        .getAsJsonObject()));
    assertTrue(e.getMessage().contains("addition_time_embed_dim"), e.getMessage());
    e =
        assertThrows(
            EngineException.class,
            () ->
                UNetConfig.fromJson(
                    JsonParser.parseString(
                            "{\"block_out_channels\": [32, 64], \"down_block_types\":"
                                + " [\"CrossAttnDownBlock2D\", \"DownBlock2D\"],"
                                + " \"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"],"
                                + " \"norm_num_groups\": 32, \"attention_head_dim\": 3}")
                        .getAsJsonObject()));
    assertTrue(e.getMessage().contains("attention heads"), e.getMessage());
    e =
        assertThrows(
            EngineException.class,
            () ->
                ClipTextConfig.fromJson(
                    JsonParser.parseString("{\"hidden_act\": \"relu\"}").getAsJsonObject()));
    assertTrue(e.getMessage().contains("relu"), e.getMessage());
  }
}
