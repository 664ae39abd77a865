package dev.stepwise.engine.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;
import dev.stepwise.engine.ModelPackException;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class TinyVaeConfigTest {
  private static final String FILE = "/m/taesd/config.json";

  /** madebyollin/taesd's diffusers config.json, as published. */
  private static final String TAESD =
      "{\"_class_name\": \"AutoencoderTiny\", \"_diffusers_version\": \"0.20.0.dev0\", \"act_fn\":"
          + " \"relu\", \"decoder_block_out_channels\": [64, 64, 64, 64],"
          + " \"encoder_block_out_channels\": [64, 64, 64, 64], \"force_upcast\": false,"
          + " \"in_channels\": 3, \"latent_channels\": 4, \"latent_magnitude\": 3,"
          + " \"latent_shift\": 0.5, \"num_decoder_blocks\": [3, 3, 3, 1], \"num_encoder_blocks\":"
          + " [1, 3, 3, 3], \"out_channels\": 3, \"scaling_factor\": 1.0,"
          + " \"upsampling_scaling_factor\": 2}";

  private static TinyVaeConfig parse(String json) {
    return TinyVaeConfig.fromJson(JsonParser.parseString(json).getAsJsonObject(), FILE);
  }

  private static String refusal(String json) {
    return assertThrows(ModelPackException.class, () -> parse(json)).getMessage();
  }

  @Test
  void taesdsConfigAndTheDefaultsAgree() {
    TinyVaeConfig c = parse(TAESD);
    assertEquals(c, parse("{}"));
    assertEquals(c, TinyVaeConfig.taesdDefaults(4));
    assertEquals(8, c.factor());
    assertEquals(4, c.stages());
    assertEquals(64, c.width());
    assertEquals(1_222_531L, c.parameterCount()); // sum of numel over taesd_decoder's tensors
    assertEquals(1.0, c.scalingFactor());
    assertEquals(OptionalDouble.empty(), c.stepwiseVaeScalingFactor());
    assertEquals(16, TinyVaeConfig.taesdDefaults(16).latentChannels());
  }

  @Test
  void stepwiseFieldsAndOtherBranchesAreRead() {
    TinyVaeConfig c =
        parse(
            "{\"decoder_block_out_channels\": [8, 8, 8], \"num_decoder_blocks\": [1, 0, 2],"
                + " \"upsampling_scaling_factor\": 3, \"upsample_fn\": \"bilinear\", \"act_fn\":"
                + " \"silu\", \"scaling_factor\": 0.5, \"stepwise_vae_scaling_factor\": 0.18215,"
                + " \"shift_factor\": 0}");
    assertEquals(9, c.factor());
    assertArrayEquals(new int[] {1, 0, 2}, c.numDecoderBlocks());
    assertEquals("bilinear", c.upsampleFn());
    assertEquals("silu", c.actFn());
    assertEquals(0.5, c.scalingFactor());
    assertEquals(OptionalDouble.of(0.18215), c.stepwiseVaeScalingFactor());
    // 4*8*9+8, 3 blocks of 3*(576+8), 2 stage convs of 576, 8*3*9+3
    assertEquals(296 + 3 * 3 * 584 + 2 * 576 + 219, c.parameterCount());
    assertEquals(
        1, parse("{\"num_decoder_blocks\": [2], \"decoder_block_out_channels\": [4]}").factor());
  }

  @Test
  void refusalsNameFileFieldValueAndWhatIsAllowed() {
    assertEquals(
        FILE
            + ": decoder_block_out_channels [64, 32, 64, 64] mixes widths; DecoderTiny needs one"
            + " width for every stage.",
        refusal("{\"decoder_block_out_channels\": [64, 32, 64, 64]}"));
    assertEquals(
        FILE + ": decoder_block_out_channels entry 4096 is out of range; allowed are 1 to 512.",
        refusal("{\"decoder_block_out_channels\": [4096, 4096, 4096, 4096]}"));
    assertEquals(
        FILE + ": upsampling_scaling_factor -2 is out of range; allowed are 1 to 8.",
        refusal("{\"upsampling_scaling_factor\": -2}"));
    assertEquals(
        FILE
            + ": shift_factor 0.0609 is not supported; only 0 is (that decoder belongs to another"
            + " model family).",
        refusal("{\"shift_factor\": 0.0609}"));
    assertEquals(
        FILE
            + ": _class_name \"AutoencoderKL\" is not AutoencoderTiny, the only class a preview"
            + " decoder may be.",
        refusal("{\"_class_name\": \"AutoencoderKL\"}"));
    assertEquals(
        FILE + ": latent_channels 0 is out of range; allowed are 1 to 512.",
        refusal("{\"latent_channels\": 0}"));
    assertEquals(
        FILE + ": num_decoder_blocks entry 17 is out of range; allowed are 0 to 16.",
        refusal("{\"num_decoder_blocks\": [3, 17, 3, 1]}"));
    assertEquals(
        FILE + ": num_decoder_blocks [3, 3] has 2 entries but decoder_block_out_channels has 4.",
        refusal("{\"num_decoder_blocks\": [3, 3]}"));
    assertEquals(
        FILE
            + ": decoder_block_out_channels [8, 8, 8, 8, 8, 8, 8] has 7 stages; allowed are 1 to"
            + " 6.",
        refusal(
            "{\"decoder_block_out_channels\": [8, 8, 8, 8, 8, 8, 8],"
                + " \"num_decoder_blocks\": [1, 1, 1, 1, 1, 1, 1]}"));
    assertEquals(
        FILE + ": decoder_block_out_channels [] has 0 stages; allowed are 1 to 6.",
        refusal("{\"decoder_block_out_channels\": [], \"num_decoder_blocks\": []}"));
    assertEquals(
        FILE
            + ": upsampling_scaling_factor 8 over 4 stages upscales by more than 64; allowed is at"
            + " most 64.",
        refusal("{\"upsampling_scaling_factor\": 8}"));
    assertEquals(
        FILE + ": upsample_fn \"bicubic\" is not supported; allowed are nearest and bilinear.",
        refusal("{\"upsample_fn\": \"bicubic\"}"));
    assertEquals(
        FILE + ": act_fn \"mish\" is not supported; allowed are relu, silu, swish, gelu.",
        refusal("{\"act_fn\": \"mish\"}"));
    assertEquals(
        FILE + ": out_channels 4 is not supported; a preview decoder makes 3 (RGB) channels.",
        refusal("{\"out_channels\": 4}"));
    assertEquals(
        FILE + ": scaling_factor -1.0 is not allowed; it must be a positive number.",
        refusal("{\"scaling_factor\": -1}"));
    assertEquals(
        FILE + ": stepwise_vae_scaling_factor 0.0 is not allowed; it must be a positive number.",
        refusal("{\"stepwise_vae_scaling_factor\": 0}"));
    assertEquals(
        FILE + ": latent_channels must be an integer, got 4.5.",
        refusal("{\"latent_channels\": 4.5}"));
    assertEquals(
        "A TAESD decoder with 0 latent channels is not supported; allowed are 1 to 512.",
        assertThrows(ModelPackException.class, () -> TinyVaeConfig.taesdDefaults(0)).getMessage());
  }
}
