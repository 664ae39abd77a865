package dev.stepwise.engine.pack;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kohya LoRA module names written with the LDM UNet's names ({@code
 * lora_unet_input_blocks_4_1_proj_in}, as some trainers and A1111's own converters save them)
 * turned into the diffusers module name with underscores ({@code
 * down_blocks_1_attentions_0_proj_in}), through the single-file checkpoint's key map ({@link
 * LdmKeyMap}). A1111 goes the other way (extensions-builtin/Lora/networks.py,
 * convert_diffusers_name_to_compvis), because its networks carry the LDM names.
 */
public final class LdmLoraNames {
  private static final Pattern BLOCK =
      Pattern.compile("(input|output)_blocks_(\\d{1,4})_(\\d)_(.+)");
  private static final Pattern MIDDLE = Pattern.compile("middle_block_(\\d)_(.+)");
  private static final Pattern TIME = Pattern.compile("time_embed_(\\d)");
  private static final Pattern LABEL = Pattern.compile("label_emb_0_(\\d)"); // SDXL's add_embedding

  /** The ResBlock's inner names whose index an underscore hides (openaimodel.py ResBlock). */
  private static final Map<String, String> RES_PARTS =
      Map.of(
          "in_layers_2", "in_layers.2",
          "out_layers_3", "out_layers.3",
          "emb_layers_1", "emb_layers.1");

  private LdmLoraNames() {}

  /**
   * The diffusers UNet module name, dots written as underscores, of the LDM module {@code ldm}
   * (underscored, without {@code lora_unet_} or {@code diffusion_model_}), for a UNet with {@code
   * layersPerBlock} layers per block; null when {@code ldm} is no LDM UNet name.
   */
  public static String diffusersUnderscored(String ldm, int layersPerBlock) {
    String dotted;
    Matcher m = BLOCK.matcher(ldm);
    Matcher mid = MIDDLE.matcher(ldm);
    Matcher time = TIME.matcher(ldm);
    Matcher label = LABEL.matcher(ldm);
    if (m.matches()) {
      dotted = m.group(1) + "_blocks." + m.group(2) + "." + m.group(3) + "." + rest(m.group(4));
    } else if (mid.matches()) {
      dotted = "middle_block." + mid.group(1) + "." + rest(mid.group(2));
    } else if (time.matches()) {
      dotted = "time_embed." + time.group(1);
    } else if (label.matches()) {
      dotted = "label_emb.0." + label.group(1);
    } else if (ldm.equals("out_2")) {
      dotted = "out.2";
    } else {
      return null;
    }
    String name = LdmKeyMap.unetName(dotted + ".weight", layersPerBlock);
    return name == null
        ? null
        : name.substring(0, name.length() - ".weight".length()).replace('.', '_');
  }

  private static String rest(String underscored) {
    return RES_PARTS.getOrDefault(underscored, underscored);
  }
}
