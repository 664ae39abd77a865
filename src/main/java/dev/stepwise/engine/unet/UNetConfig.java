package dev.stepwise.engine.unet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.ConfigFields;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The fields of diffusers' UNet2DConditionModel config (unet/config.json) that the Stable Diffusion
 * 1.x / 2.x and SDXL family uses, with diffusers' defaults (models/unets/unet_2d_condition.py).
 * Per-block lists are expanded here, so the network reads one value per block.
 *
 * <p>SDXL sets {@code addition_embed_type: "text_time"}: the UNet then adds an embedding of the
 * pooled text embedding and the micro-conditioning time ids to its time embedding ({@link
 * #additionEmbedType}, {@link #additionTimeEmbedDim}, {@link #projectionClassEmbeddingsInputDim}).
 *
 * <p>Naming trap kept from diffusers: {@code attention_head_dim} is the number of heads, not their
 * width, unless {@code num_attention_heads} is given (then that is the head count).
 */
public record UNetConfig(
    int sampleSize,
    int inChannels,
    int outChannels,
    boolean centerInputSample,
    boolean flipSinToCos,
    double freqShift,
    List<String> downBlockTypes,
    String midBlockType,
    List<String> upBlockTypes,
    int[] blockOutChannels,
    int[] layersPerBlock,
    int downsamplePadding,
    double midBlockScaleFactor,
    int normNumGroups,
    double normEps,
    int crossAttentionDim,
    int[] transformerLayersPerBlock,
    int[] attentionHeads,
    boolean useLinearProjection,
    boolean upcastAttention,
    int convInKernel,
    int convOutKernel,
    String additionEmbedType,
    int additionTimeEmbedDim,
    int projectionClassEmbeddingsInputDim) {

  /** diffusers' SDXL addition embedding: pooled text embeds and time ids (get_aug_embed). */
  public static final String TEXT_TIME = "text_time";

  public static final String CROSS_DOWN = "CrossAttnDownBlock2D";
  public static final String DOWN = "DownBlock2D";
  public static final String CROSS_UP = "CrossAttnUpBlock2D";
  public static final String UP = "UpBlock2D";
  public static final String CROSS_MID = "UNetMidBlock2DCrossAttn";

  /**
   * Fields that must keep their diffusers default for this family (SDXL, LCM, upscalers differ).
   */
  private static final Map<String, String> MUST_BE_DEFAULT =
      Map.ofEntries(
          Map.entry("class_embed_type", "null"),
          Map.entry("num_class_embeds", "null"),
          Map.entry("encoder_hid_dim", "null"),
          Map.entry("encoder_hid_dim_type", "null"),
          Map.entry("time_cond_proj_dim", "null"),
          Map.entry("timestep_post_act", "null"),
          Map.entry("time_embedding_dim", "null"),
          Map.entry("cross_attention_norm", "null"),
          Map.entry("only_cross_attention", "false"),
          Map.entry("dual_cross_attention", "false"),
          Map.entry("resnet_skip_time_act", "false"),
          Map.entry("mid_block_only_cross_attention", "null"),
          Map.entry("class_embeddings_concat", "false"),
          Map.entry("reverse_transformer_layers_per_block", "null"));

  public UNetConfig {
    int n = blockOutChannels.length;
    if (n == 0 || downBlockTypes.size() != n || upBlockTypes.size() != n) {
      throw fail(
          "down_block_types, up_block_types and block_out_channels must have the same length, got "
              + downBlockTypes.size()
              + ", "
              + upBlockTypes.size()
              + " and "
              + n);
    }
    if (layersPerBlock.length != n
        || transformerLayersPerBlock.length != n
        || attentionHeads.length != n) {
      throw fail(
          "per-block lists (layers_per_block, transformer_layers_per_block, attention heads) must"
              + " have "
              + n
              + " entries");
    }
    if (normNumGroups <= 0) {
      throw fail("norm_num_groups must be a positive number of groups, got " + normNumGroups);
    }
    if (downsamplePadding < 0 || downsamplePadding > 1) {
      throw fail("downsample_padding must be 0 or 1 (diffusers' values), got " + downsamplePadding);
    }
    for (int i = 0; i < n; i++) {
      int c = blockOutChannels[i];
      if (c <= 0 || c % normNumGroups != 0) {
        throw fail(
            "block_out_channels "
                + Arrays.toString(blockOutChannels)
                + " must be positive multiples of norm_num_groups "
                + normNumGroups);
      }
      if (attentionHeads[i] <= 0 || c % attentionHeads[i] != 0) {
        throw fail(
            "block "
                + i
                + " has "
                + c
                + " channels, which its "
                + attentionHeads[i]
                + " attention heads do not divide");
      }
      if (layersPerBlock[i] <= 0 || transformerLayersPerBlock[i] <= 0) {
        throw fail("layers_per_block and transformer_layers_per_block must be positive");
      }
      checkType("down_block_types", downBlockTypes.get(i), CROSS_DOWN, DOWN);
      checkType("up_block_types", upBlockTypes.get(i), CROSS_UP, UP);
    }
    if (midBlockType != null) {
      checkType("mid_block_type", midBlockType, CROSS_MID);
    }
    if (convInKernel % 2 == 0 || convOutKernel % 2 == 0) {
      throw fail("conv_in_kernel and conv_out_kernel must be odd");
    }
    if (crossAttentionDim <= 0 || inChannels <= 0 || outChannels <= 0 || sampleSize <= 0) {
      throw fail("cross_attention_dim, in_channels, out_channels and sample_size must be positive");
    }
    if (additionEmbedType != null && !additionEmbedType.equals(TEXT_TIME)) {
      throw fail(
          "addition_embed_type \""
              + additionEmbedType
              + "\" is not supported; Stepwise reads none (SD 1.x / 2.x) and \"text_time\""
              + " (SDXL)");
    }
    if (TEXT_TIME.equals(additionEmbedType)
        && (additionTimeEmbedDim <= 0 || projectionClassEmbeddingsInputDim <= 0)) {
      throw fail(
          "addition_embed_type \"text_time\" needs positive addition_time_embed_dim and"
              + " projection_class_embeddings_input_dim, got "
              + additionTimeEmbedDim
              + " and "
              + projectionClassEmbeddingsInputDim);
    }
  }

  /** Whether this is an SDXL-style UNet (addition_embed_type "text_time"). */
  public boolean hasTextTime() {
    return TEXT_TIME.equals(additionEmbedType);
  }

  private static void checkType(String field, String value, String... allowed) {
    if (!Arrays.asList(allowed).contains(value)) {
      throw fail(
          field
              + " entry \""
              + value
              + "\" is not supported; Stepwise reads "
              + String.join(", ", allowed)
              + " (the Stable Diffusion 1.x / 2.x family)");
    }
  }

  private static ModelPackException fail(String what) {
    return new ModelPackException("unet/config.json: " + what + ".");
  }

  /** The time embedding width, 4 x block_out_channels[0]. */
  public int timeEmbedDim() {
    return 4 * blockOutChannels[0];
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  /** Parses unet/config.json with diffusers' defaults; unsupported family members are refused. */
  public static UNetConfig fromJson(JsonObject o) {
    ConfigFields f = new ConfigFields(o, "unet/config.json");
    for (Map.Entry<String, String> e : MUST_BE_DEFAULT.entrySet()) {
      JsonElement v = o.get(e.getKey());
      if (v != null && !v.toString().equals(e.getValue())) {
        throw fail(
            e.getKey()
                + " "
                + v
                + " is not supported (Stepwise runs the SD 1.x / 2.x and SDXL UNets, not"
                + " LCM, upscaler or other variants)");
      }
    }
    requireString(f, "act_fn", "silu");
    requireString(f, "resnet_time_scale_shift", "default");
    requireString(f, "time_embedding_type", "positional");
    requireString(f, "attention_type", "default");
    if (f.number("resnet_out_scale_factor", 1.0) != 1.0) {
      throw fail(
          "resnet_out_scale_factor " + o.get("resnet_out_scale_factor") + " is not supported");
    }
    List<String> down =
        f.strings("down_block_types", List.of(CROSS_DOWN, CROSS_DOWN, CROSS_DOWN, DOWN));
    List<String> up = f.strings("up_block_types", List.of(UP, CROSS_UP, CROSS_UP, CROSS_UP));
    int[] channels = f.ints("block_out_channels", new int[] {320, 640, 1280, 1280}, -1);
    int n = channels.length;
    JsonElement cad = f.get("cross_attention_dim");
    if (cad != null && cad.isJsonArray()) {
      throw fail("a per-block cross_attention_dim is not supported");
    }
    // diffusers: num_attention_heads = num_attention_heads or attention_head_dim.
    String headsKey =
        f.get("num_attention_heads") != null ? "num_attention_heads" : "attention_head_dim";
    String mid = o.has("mid_block_type") ? f.string("mid_block_type", null) : CROSS_MID;
    String addition = f.string("addition_embed_type", null);
    if (f.get("time_embedding_act_fn") != null) {
      throw fail("time_embedding_act_fn " + f.get("time_embedding_act_fn") + " is not supported");
    }
    return new UNetConfig(
        f.integer("sample_size", 64),
        f.integer("in_channels", 4),
        f.integer("out_channels", 4),
        f.bool("center_input_sample", false),
        f.bool("flip_sin_to_cos", true),
        f.number("freq_shift", 0),
        down,
        mid,
        up,
        channels,
        f.ints("layers_per_block", new int[] {2}, n),
        f.integer("downsample_padding", 1),
        f.number("mid_block_scale_factor", 1),
        f.integer("norm_num_groups", 32),
        f.number("norm_eps", 1e-5),
        f.integer("cross_attention_dim", 1280),
        f.ints("transformer_layers_per_block", new int[] {1}, n),
        f.ints(headsKey, new int[] {8}, n),
        f.bool("use_linear_projection", false),
        f.bool("upcast_attention", false),
        f.integer("conv_in_kernel", 3),
        f.integer("conv_out_kernel", 3),
        addition,
        f.integer("addition_time_embed_dim", 0),
        f.integer("projection_class_embeddings_input_dim", 0));
  }

  private static void requireString(ConfigFields f, String key, String only) {
    String v = f.string(key, only);
    if (!v.equals(only)) {
      throw fail(key + " \"" + v + "\" is not supported; Stepwise reads \"" + only + "\"");
    }
  }
}
