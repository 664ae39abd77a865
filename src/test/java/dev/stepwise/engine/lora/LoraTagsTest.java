package dev.stepwise.engine.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.pack.LdmLoraNames;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A1111's {@code <lora:...>} tags (extra_networks.py, extra_networks_lora.py) and LDM names. */
class LoraTagsTest {

  @Test
  void tagsAreCutOutAndTheirWeightsReadAsA1111Does() {
    LoraTags.Parsed p =
        LoraTags.parse("a cat <lora:mine:0.7>, <lora:b> x <lora:c:0.5:1.5><hypernet:h:1>");
    assertEquals("a cat ,  x ", p.text());
    assertEquals(
        List.of(
            new LoraTags.Tag("mine", 0.7, 0.7),
            new LoraTags.Tag("b", 1, 1),
            new LoraTags.Tag("c", 0.5, 1.5)),
        p.loras());
    assertEquals(List.of("hypernet"), p.otherTypes());
    assertEquals(
        List.of(new LoraTags.Tag("n", 0.2, 0.9)), LoraTags.parse("<lora:n:0.2:unet=0.9>").loras());
    assertEquals("plain (text:1.2)", LoraTags.parse("plain (text:1.2)").text());
  }

  @Test
  void aWeightThatIsNotANumberIsOneSentence() {
    EngineException e = assertThrows(EngineException.class, () -> LoraTags.parse("<lora:a:x>"));
    assertEquals(
        "The prompt's tag <lora:a:x> has the weight \"x\", which is not a number.", e.getMessage());
  }

  @Test
  void ldmNamesMapToDiffusersNames() {
    assertEquals(
        "down_blocks_0_attentions_0_proj_in",
        LdmLoraNames.diffusersUnderscored("input_blocks_1_1_proj_in", 2));
    assertEquals(
        "down_blocks_1_resnets_1_conv1",
        LdmLoraNames.diffusersUnderscored("input_blocks_5_0_in_layers_2", 2));
    assertEquals(
        "down_blocks_0_downsamplers_0_conv",
        LdmLoraNames.diffusersUnderscored("input_blocks_3_0_op", 2));
    assertEquals(
        "up_blocks_1_attentions_2_transformer_blocks_0_attn2_to_k",
        LdmLoraNames.diffusersUnderscored("output_blocks_5_1_transformer_blocks_0_attn2_to_k", 2));
    assertEquals(
        "mid_block_resnets_1_time_emb_proj",
        LdmLoraNames.diffusersUnderscored("middle_block_2_emb_layers_1", 2));
    assertEquals("time_embedding_linear_2", LdmLoraNames.diffusersUnderscored("time_embed_2", 2));
    assertEquals(null, LdmLoraNames.diffusersUnderscored("foo_bar", 2));
  }

  /**
   * SDXL base (two layers per block, three levels, attention in the last two), as kohya names it.
   */
  @Test
  void sdxlLdmNamesMapToDiffusersNames() {
    assertEquals(
        "down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q",
        LdmLoraNames.diffusersUnderscored("input_blocks_4_1_transformer_blocks_0_attn1_to_q", 2));
    assertEquals(
        "down_blocks_2_attentions_1_transformer_blocks_9_ff_net_2",
        LdmLoraNames.diffusersUnderscored("input_blocks_8_1_transformer_blocks_9_ff_net_2", 2));
    assertEquals(
        "mid_block_attentions_0_transformer_blocks_9_attn2_to_out_0",
        LdmLoraNames.diffusersUnderscored("middle_block_1_transformer_blocks_9_attn2_to_out_0", 2));
    assertEquals(
        "up_blocks_0_upsamplers_0_conv",
        LdmLoraNames.diffusersUnderscored("output_blocks_2_2_conv", 2));
    assertEquals(
        "up_blocks_2_resnets_2_conv_shortcut",
        LdmLoraNames.diffusersUnderscored("output_blocks_8_0_skip_connection", 2));
    assertEquals("add_embedding_linear_1", LdmLoraNames.diffusersUnderscored("label_emb_0_0", 2));
    assertEquals("add_embedding_linear_2", LdmLoraNames.diffusersUnderscored("label_emb_0_2", 2));
  }
}
