package dev.stepwise.engine.pack;

import dev.stepwise.engine.ModelPackException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of a single-file LDM checkpoint (CompVis / Stability AI training code, as A1111 and
 * ComfyUI save it) mapped to the diffusers / transformers names the engine's networks load.
 *
 * <p>Learnt from diffusers src/diffusers/loaders/single_file_utils.py (convert_ldm_unet_checkpoint,
 * convert_ldm_vae_checkpoint, convert_ldm_clip_checkpoint, convert_open_clip_checkpoint,
 * DIFFUSERS_TO_LDM_MAPPING); summarised in /work/shared/reference/sd-architecture.md section 4. A
 * name maps one to one, except the autoencoder's mid attention (1x1 convolutions [C, C, 1, 1]
 * squeezed to linear [C, C]) and OpenCLIP's fused {@code in_proj} (split into q, k, v thirds along
 * the first dimension). OpenCLIP's last residual block is dropped: SD 2.x conditions on the
 * penultimate layer's output (diffusers SD_2_TEXT_ENCODER_KEYS_TO_IGNORE), so the text encoder
 * keeps one layer fewer. Nothing is copied: each entry names the tensor it is read from.
 *
 * <p>SDXL (Stability AI's generative-models layout): the UNet's {@code label_emb.0.0} / {@code
 * label_emb.0.2} are diffusers' {@code add_embedding.linear_1} / {@code linear_2}; the first
 * encoder, CLIP ViT-L, is {@code conditioner.embedders.0.transformer.*} under transformers' names;
 * the second, OpenCLIP ViT-bigG, is {@code conditioner.embedders.1.model.*}, mapped as SD 2.x's but
 * keeping every block (its pooled output needs the last one) and its {@code text_projection} [D, P]
 * (used as {@code x @ P}) transposed to transformers' linear weight [P, D], without bias (diffusers
 * convert_open_clip_checkpoint).
 */
final class LdmKeyMap {
  static final String UNET = "model.diffusion_model.";
  static final String CLIP = "cond_stage_model.transformer.";
  static final String OPEN_CLIP = "cond_stage_model.model.";
  static final String SDXL = "conditioner.embedders.";
  static final String SDXL_CLIP = "conditioner.embedders.0.transformer.";
  static final String SDXL_OPEN_CLIP = "conditioner.embedders.1.model.";

  /** The SDXL refiner's one text encoder, OpenCLIP ViT-bigG as SDXL base's second. */
  static final String REFINER_OPEN_CLIP = "conditioner.embedders.0.model.";

  static final List<String> VAE_PREFIXES = List.of("first_stage_model.", "vae.");

  /** How a diffusers tensor is made from its LDM tensor. */
  enum Op {
    COPY,
    /** [C, C, 1, 1] or [C, C, 1] to [C, C]. */
    SQUEEZE,
    /** Rows 0 .. n/3 of a fused [3C, ...] in_proj. */
    Q,
    /** Rows n/3 .. 2n/3. */
    K,
    /** Rows 2n/3 .. n. */
    V,
    /** [D, P] to [P, D]: OpenCLIP's text_projection as a linear weight. */
    TRANSPOSE
  }

  /** One diffusers tensor: the LDM tensor it comes from and how. */
  record Ref(String source, Op op) {}

  /** Buffers of the LDM training wrapper (the noise schedule, EMA bookkeeping): never weights. */
  private static final Set<String> SCHEDULE_BUFFERS =
      Set.of(
          "betas",
          "alphas_cumprod",
          "alphas_cumprod_prev",
          "sqrt_alphas_cumprod",
          "sqrt_one_minus_alphas_cumprod",
          "log_one_minus_alphas_cumprod",
          "sqrt_recip_alphas_cumprod",
          "sqrt_recipm1_alphas_cumprod",
          "posterior_variance",
          "posterior_log_variance_clipped",
          "posterior_mean_coef1",
          "posterior_mean_coef2",
          "logvar",
          "lvlb_weights",
          OPEN_CLIP + "text_projection",
          OPEN_CLIP + "logit_scale");

  private static final Pattern BLOCK =
      Pattern.compile("(input|output)_blocks\\.(\\d+)\\.(\\d)\\.(.+)");
  private static final Pattern MIDDLE = Pattern.compile("middle_block\\.(\\d)\\.(.+)");
  private static final Pattern VAE_DOWN =
      Pattern.compile("encoder\\.down\\.(\\d+)\\.(block\\.(\\d+)|downsample)\\.(.+)");
  private static final Pattern VAE_UP =
      Pattern.compile("decoder\\.up\\.(\\d+)\\.(block\\.(\\d+)|upsample)\\.(.+)");
  private static final Pattern VAE_MID =
      Pattern.compile("(encoder|decoder)\\.mid\\.(block_1|block_2|attn_1)\\.(.+)");
  private static final Pattern RESBLOCK =
      Pattern.compile("transformer\\.resblocks\\.(\\d+)\\.(.+)");

  final Map<String, Ref> unet = new TreeMap<>();
  final Map<String, Ref> vae = new TreeMap<>();
  final Map<String, Ref> textEncoder = new TreeMap<>();

  /** SDXL's second text encoder (OpenCLIP ViT-bigG with its projection); empty otherwise. */
  final Map<String, Ref> textEncoder2 = new TreeMap<>();

  /** Whether the file is SDXL's ({@code conditioner.embedders.*}). */
  final boolean sdxl;

  /**
   * Whether the file is the SDXL refiner's: OpenCLIP ViT-bigG alone as {@code
   * conditioner.embedders.0.model.*}, mapped into {@link #textEncoder2}.
   */
  final boolean refiner;

  /** Whether the text encoder is OpenCLIP's (SD 2.x) rather than OpenAI CLIP's (SD 1.x). */
  final boolean openClip;

  /** LDM tensors that map to no network (beside the schedule buffers and EMA copies), sorted. */
  final List<String> unmapped = new ArrayList<>();

  private final String file;

  private LdmKeyMap(Map<String, long[]> shapes, String file, boolean vaeOnly) {
    this.file = file;
    String named = vaePrefix(shapes.keySet());
    // A lone VAE file (vae-ft-mse-840000-ema-pruned.safetensors) has bare encoder.*, decoder.*.
    String vaePrefix =
        vaeOnly && shapes.keySet().stream().noneMatch(k -> k.startsWith(named)) ? "" : named;
    this.openClip = shapes.keySet().stream().anyMatch(k -> k.startsWith(OPEN_CLIP));
    this.sdxl = shapes.keySet().stream().anyMatch(k -> k.startsWith(SDXL));
    this.refiner = shapes.keySet().stream().anyMatch(k -> k.startsWith(REFINER_OPEN_CLIP));
    int unetLayers = vaeOnly ? 0 : unetLayersPerBlock(shapes.keySet());
    int vaeUpBlocks = 1 + maxIndex(shapes.keySet(), vaePrefix + "decoder.up.");
    int lastResblock = maxIndex(shapes.keySet(), OPEN_CLIP + "transformer.resblocks.");
    for (String key : new TreeMap<>(shapes).keySet()) {
      boolean mapped;
      if (vaeOnly) {
        // sd_vae.py drops the training loss's tensors and the EMA bookkeeping.
        boolean ignored = key.startsWith("loss.") || key.startsWith("model_ema.");
        mapped =
            ignored
                || (key.startsWith(vaePrefix)
                    && mapVae(key, key.substring(vaePrefix.length()), vaeUpBlocks));
      } else if (key.startsWith(UNET)) {
        mapped = put(unet, unetName(key.substring(UNET.length()), unetLayers), key, Op.COPY);
      } else if (key.startsWith(vaePrefix)) {
        mapped = mapVae(key, key.substring(vaePrefix.length()), vaeUpBlocks);
      } else if (key.startsWith(CLIP) || key.startsWith(SDXL_CLIP)) {
        String rest = key.substring(key.startsWith(CLIP) ? CLIP.length() : SDXL_CLIP.length());
        String name = rest.startsWith("text_model.") ? rest : "text_model." + rest;
        mapped = put(textEncoder, name, key, Op.COPY);
      } else if (key.startsWith(OPEN_CLIP) && !SCHEDULE_BUFFERS.contains(key)) {
        mapped = mapOpenClip(textEncoder, key, key.substring(OPEN_CLIP.length()), lastResblock);
      } else if (key.startsWith(SDXL_OPEN_CLIP) || key.startsWith(REFINER_OPEN_CLIP)) {
        String rest = key.substring(SDXL_OPEN_CLIP.length()); // both prefixes are as long
        mapped =
            rest.equals("logit_scale") // CLIP's contrastive temperature, no part of the encoder
                || (rest.equals("text_projection")
                    ? put(textEncoder2, "text_projection.weight", key, Op.TRANSPOSE)
                    : mapOpenClip(textEncoder2, key, rest, -1));
      } else {
        mapped = SCHEDULE_BUFFERS.contains(key) || key.startsWith("model_ema.");
      }
      if (!mapped) {
        unmapped.add(key);
      }
    }
  }

  /**
   * Maps every name of a checkpoint whose tensors have {@code shapes}; {@code file} for messages.
   */
  static LdmKeyMap of(Map<String, long[]> shapes, String file) {
    return new LdmKeyMap(shapes, file, false);
  }

  /**
   * Maps the names of a separate autoencoder file (A1111's {@code models/VAE}): LDM names with or
   * without {@code first_stage_model.}; only {@link #vae} is filled.
   */
  static LdmKeyMap ofVae(Map<String, long[]> shapes, String file) {
    return new LdmKeyMap(shapes, file, true);
  }

  /** The map of one component, read-only. */
  static Map<String, Ref> view(Map<String, Ref> m) {
    return Collections.unmodifiableMap(m);
  }

  private String vaePrefix(Set<String> keys) {
    List<String> found =
        VAE_PREFIXES.stream().filter(p -> keys.stream().anyMatch(k -> k.startsWith(p))).toList();
    if (found.size() > 1) {
      throw new ModelPackException(
          "The checkpoint "
              + file
              + " holds two autoencoders ("
              + String.join("* and ", found)
              + "*); Stepwise cannot tell which one to use.");
    }
    return found.isEmpty() ? VAE_PREFIXES.get(0) : found.get(0);
  }

  /**
   * Layers per block L of the UNet: each down block has L input blocks plus one downsampler ({@code
   * input_blocks.N.0.op}, all but the last block), and each up block L + 1 output blocks.
   */
  private int unetLayersPerBlock(Set<String> keys) {
    int downsamplers = 0;
    for (String k : keys) {
      if (k.startsWith(UNET + "input_blocks.") && k.endsWith(".0.op.weight")) {
        downsamplers++;
      }
    }
    int blocks = downsamplers + 1;
    int outputs = 1 + maxIndex(keys, UNET + "output_blocks.");
    if (outputs < 2 * blocks || outputs % blocks != 0) {
      throw new ModelPackException(
          "The UNet of "
              + file
              + " has "
              + outputs
              + " output blocks, which do not divide into its "
              + blocks
              + " resolution levels; it is not a Stable Diffusion UNet.");
    }
    return outputs / blocks - 1;
  }

  /** The largest N of keys {@code prefix + N + "."...}, or -1. */
  static int maxIndex(Set<String> keys, String prefix) {
    int max = -1;
    for (String k : keys) {
      if (k.startsWith(prefix)) {
        int dot = k.indexOf('.', prefix.length());
        String n = k.substring(prefix.length(), dot < 0 ? k.length() : dot);
        if (!n.isEmpty() && n.length() < 6 && n.chars().allMatch(Character::isDigit)) {
          max = Math.max(max, Integer.parseInt(n));
        }
      }
    }
    return max;
  }

  /** The diffusers name of UNet tensor {@code k} (prefix removed), or null when it has none. */
  static String unetName(String k, int layers) {
    String[][] fixed = {
      {"time_embed.0.", "time_embedding.linear_1."},
      {"time_embed.2.", "time_embedding.linear_2."},
      {"label_emb.0.0.", "add_embedding.linear_1."}, // SDXL's pooled text and time ids
      {"label_emb.0.2.", "add_embedding.linear_2."},
      {"input_blocks.0.0.", "conv_in."},
      {"out.0.", "conv_norm_out."},
      {"out.2.", "conv_out."}
    };
    for (String[] f : fixed) {
      if (k.startsWith(f[0])) {
        return f[1] + k.substring(f[0].length());
      }
    }
    Matcher m = MIDDLE.matcher(k);
    if (m.matches()) {
      return switch (m.group(1)) {
        case "0" -> "mid_block.resnets.0." + resnet(m.group(2));
        case "1" -> "mid_block.attentions.0." + m.group(2);
        case "2" -> "mid_block.resnets.1." + resnet(m.group(2));
        default -> null;
      };
    }
    m = BLOCK.matcher(k);
    if (!m.matches() || m.group(2).length() > 5) {
      return null;
    }
    boolean down = m.group(1).equals("input");
    int i = Integer.parseInt(m.group(2)) - (down ? 1 : 0); // input block 0 is conv_in
    int part = Integer.parseInt(m.group(3));
    String rest = m.group(4);
    int block = i / (layers + 1);
    int layer = i % (layers + 1);
    String prefix = (down ? "down_blocks." : "up_blocks.") + block + ".";
    if (down && layer == layers) { // the downsampler closes the block
      return part == 0 && rest.startsWith("op.")
          ? prefix + "downsamplers.0.conv." + rest.substring(3)
          : null;
    }
    if (part == 0) {
      return prefix + "resnets." + layer + "." + resnet(rest);
    }
    if (!down && rest.startsWith("conv.")) { // .1.conv without attention, .2.conv with it
      return prefix + "upsamplers.0." + rest;
    }
    return part == 1 ? prefix + "attentions." + layer + "." + rest : null;
  }

  /** A ResBlock's inner names (ldm/modules/diffusionmodules/openaimodel.py ResBlock). */
  private static String resnet(String rest) {
    String[][] names = {
      {"in_layers.0.", "norm1."},
      {"in_layers.2.", "conv1."},
      {"emb_layers.1.", "time_emb_proj."},
      {"out_layers.0.", "norm2."},
      {"out_layers.3.", "conv2."},
      {"skip_connection.", "conv_shortcut."}
    };
    for (String[] n : names) {
      if (rest.startsWith(n[0])) {
        return n[1] + rest.substring(n[0].length());
      }
    }
    return rest;
  }

  private boolean mapVae(String key, String k, int upBlocks) {
    Matcher m = VAE_DOWN.matcher(k);
    if (m.matches() && m.group(1).length() < 6) {
      String block = "encoder.down_blocks." + m.group(1) + ".";
      String name =
          m.group(3) != null
              ? block + "resnets." + m.group(3) + "." + vaeResnet(m.group(4))
              : block + "downsamplers.0." + m.group(4);
      return put(vae, name, key, Op.COPY);
    }
    m = VAE_UP.matcher(k);
    if (m.matches() && m.group(1).length() < 6) {
      // LDM counts the decoder's levels from the lowest resolution up; diffusers the other way.
      String block = "decoder.up_blocks." + (upBlocks - 1 - Integer.parseInt(m.group(1))) + ".";
      String name =
          m.group(3) != null
              ? block + "resnets." + m.group(3) + "." + vaeResnet(m.group(4))
              : block + "upsamplers.0." + m.group(4);
      return put(vae, name, key, Op.COPY);
    }
    m = VAE_MID.matcher(k);
    if (m.matches()) {
      String mid = m.group(1) + ".mid_block.";
      String rest = m.group(3);
      return switch (m.group(2)) {
        case "block_1" -> put(vae, mid + "resnets.0." + vaeResnet(rest), key, Op.COPY);
        case "block_2" -> put(vae, mid + "resnets.1." + vaeResnet(rest), key, Op.COPY);
        default -> mapVaeAttention(key, mid + "attentions.0.", rest);
      };
    }
    if (k.startsWith("encoder.norm_out.") || k.startsWith("decoder.norm_out.")) {
      return put(vae, k.replace(".norm_out.", ".conv_norm_out."), key, Op.COPY);
    }
    return put(vae, k, key, Op.COPY); // conv_in, conv_out, quant_conv, post_quant_conv
  }

  /** The autoencoder's single-head mid attention: 1x1 convolutions become linear layers. */
  private boolean mapVaeAttention(String key, String prefix, String rest) {
    String[][] names = {
      {"norm.", "group_norm."},
      {"q.", "to_q."},
      {"k.", "to_k."},
      {"v.", "to_v."},
      {"proj_out.", "to_out.0."}
    };
    for (String[] n : names) {
      if (rest.startsWith(n[0])) {
        String param = rest.substring(n[0].length());
        Op op = param.equals("weight") && !n[0].equals("norm.") ? Op.SQUEEZE : Op.COPY;
        return put(vae, prefix + n[1] + param, key, op);
      }
    }
    return false;
  }

  private static String vaeResnet(String rest) {
    return rest.startsWith("nin_shortcut.")
        ? "conv_shortcut." + rest.substring("nin_shortcut.".length())
        : rest;
  }

  /**
   * OpenCLIP's text tower (open_clip/transformer.py) to transformers' CLIPTextModel names in {@code
   * target}; residual block {@code lastResblock} (SD 2.x's unused last one; -1 for none) is
   * dropped.
   */
  private boolean mapOpenClip(Map<String, Ref> target, String key, String k, int lastResblock) {
    switch (k) {
      case "token_embedding.weight":
        return put(target, "text_model.embeddings.token_embedding.weight", key, Op.COPY);
      case "positional_embedding":
        return put(target, "text_model.embeddings.position_embedding.weight", key, Op.COPY);
      case "ln_final.weight", "ln_final.bias":
        return put(target, "text_model.final_layer_norm." + k.substring(9), key, Op.COPY);
      default:
        break;
    }
    Matcher m = RESBLOCK.matcher(k);
    if (!m.matches() || m.group(1).length() > 5) {
      return false;
    }
    if (Integer.parseInt(m.group(1)) == lastResblock) {
      return true; // SD 2.x uses the penultimate layer: the last block is never run
    }
    String layer = "text_model.encoder.layers." + m.group(1) + ".";
    String rest = m.group(2);
    if (rest.equals("attn.in_proj_weight") || rest.equals("attn.in_proj_bias")) {
      String param = rest.endsWith("weight") ? "weight" : "bias";
      return put(target, layer + "self_attn.q_proj." + param, key, Op.Q)
          & put(target, layer + "self_attn.k_proj." + param, key, Op.K)
          & put(target, layer + "self_attn.v_proj." + param, key, Op.V);
    }
    String[][] names = {
      {"ln_1.", "layer_norm1."},
      {"ln_2.", "layer_norm2."},
      {"attn.out_proj.", "self_attn.out_proj."},
      {"mlp.c_fc.", "mlp.fc1."},
      {"mlp.c_proj.", "mlp.fc2."}
    };
    for (String[] n : names) {
      if (rest.startsWith(n[0])) {
        return put(target, layer + n[1] + rest.substring(n[0].length()), key, Op.COPY);
      }
    }
    return false;
  }

  private boolean put(Map<String, Ref> target, String name, String source, Op op) {
    if (name == null) {
      return false;
    }
    Ref previous = target.putIfAbsent(name, new Ref(source, op));
    if (previous != null) {
      throw new ModelPackException(
          "The checkpoint "
              + file
              + " holds both "
              + previous.source()
              + " and "
              + source
              + ", which are the same weight "
              + name
              + "; Stepwise cannot tell which one to use.");
    }
    return true;
  }
}
