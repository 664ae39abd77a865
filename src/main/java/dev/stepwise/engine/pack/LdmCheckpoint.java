package dev.stepwise.engine.pack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.tokenizer.ClipBpeTokenizer;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.Tokenizers;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A single-file SD 1.x, 2.x or XL checkpoint ({@code .safetensors} with LDM / SGM names): its
 * networks as renaming views over the one file, and the configs inferred from the tensors' shapes.
 *
 * <p>What the shapes say: channels, layers per block, which blocks have attention, the context
 * width (768: SD 1.x with OpenAI CLIP; 1024: SD 2.x with OpenCLIP, recognised by {@code
 * cond_stage_model.model.*}), conv or linear projections, input channels (9: inpainting), the text
 * encoder's width, depth and vocabulary. What they cannot say comes from the family's published
 * configs (diffusers single_file_utils.py create_unet_diffusers_config_from_ldm and the
 * stable-diffusion-v1-5 / stable-diffusion-2-1 folders): SD 1.x UNets have 8 heads, SD 2.x heads of
 * 64 dimensions, text encoders heads of 64; 32 norm groups; scaling factor 0.18215; the
 * scaled-linear schedule 0.00085..0.012 over 1000 steps. SD 2.x is taken for the 768-pixel
 * v-prediction model, as diffusers does for a file without a training step count (inpainting
 * models: epsilon, 512); a request's prediction type overrides it.
 *
 * <p>SDXL ({@code conditioner.embedders.*}; stabilityai/stable-diffusion-xl-base-1.0's folder for
 * what the shapes cannot say): attention where the level has it, its transformer depth per level
 * (the mid block's from its own blocks), heads of 64 dimensions, linear projections; the time-id
 * embedding width from {@code label_emb.0.0} [C, P + 6 x T] and the pooled width P; text encoder 2
 * with GELU and its projection, tokenizer 2 padding with "!" (id 0, as OpenCLIP's tokenizer and
 * A1111's FrozenOpenCLIPEmbedder2WithCustomWords pad), the first with its end token; the
 * autoencoder's scaling factor 0.13025; 1024-pixel images; epsilon prediction.
 */
final class LdmCheckpoint implements AutoCloseable {
  static final int CLIP_VOCABULARY = 49_408;

  final SafetensorsFile file;
  final TensorSource unet;
  final TensorSource vae;
  final TensorSource textEncoder;
  final JsonObject unetConfig;
  final JsonObject vaeConfig;
  final JsonObject textEncoderConfig;
  final JsonObject schedulerConfig;
  final TensorSource textEncoder2; // SDXL's, or null
  final JsonObject textEncoder2Config; // SDXL's, or null
  final List<String> notices = new ArrayList<>();
  private final boolean sd2;
  private final boolean sdxl;
  final boolean refiner; // the SDXL refiner: OpenCLIP bigG alone, five time ids
  private final Path tokenizer2Dir;
  private final Path tokenizerDir;
  private final String name;

  private LdmCheckpoint(SafetensorsFile file, CheckpointOptions options) {
    this.file = file;
    this.name = file.path().getFileName().toString();
    this.tokenizerDir = options.tokenizerDir();
    this.tokenizer2Dir = options.tokenizer2Dir();
    Map<String, long[]> shapes = new HashMap<>();
    for (String n : file.names()) {
      shapes.put(n, file.shape(n));
    }
    refuseOtherFamilies(shapes.keySet());
    LdmKeyMap map = LdmKeyMap.of(shapes, name);
    this.sd2 = map.openClip;
    this.sdxl = map.sdxl;
    this.refiner = map.refiner;
    String where = "checkpoint " + file.path();
    unet = new CheckpointTensors(file, map.unet, where + " (UNet)");
    vae = new CheckpointTensors(file, map.vae, where + " (autoencoder)");
    if (refiner) { // its one encoder is SDXL base's second: the model's text encoder, served once
      textEncoder = new CheckpointTensors(file, map.textEncoder2, where + " (text encoder 2)");
      textEncoder2 = null;
      textEncoderConfig = overlay(inferTextEncoder(textEncoder, true), options, "text_encoder_2");
      textEncoder2Config = textEncoderConfig.deepCopy();
    } else {
      textEncoder = new CheckpointTensors(file, map.textEncoder, where + " (text encoder)");
      textEncoder2 =
          sdxl ? new CheckpointTensors(file, map.textEncoder2, where + " (text encoder 2)") : null;
      textEncoderConfig = overlay(inferTextEncoder(textEncoder, false), options, "text_encoder");
      textEncoder2Config =
          sdxl ? overlay(inferTextEncoder(textEncoder2, true), options, "text_encoder_2") : null;
    }
    unetConfig = overlay(inferUnet(), options, "unet");
    boolean inpainting = unetConfig.get("in_channels").getAsInt() == 9;
    int size = sdxl ? 1024 : sd2 && !inpainting ? 768 : 512;
    vaeConfig = overlay(inferVae(size), options, "vae");
    schedulerConfig = overlay(scheduler(sd2 && !inpainting), options, "scheduler");
    describe(map, shapes.keySet(), inpainting);
  }

  /**
   * Opens {@code file} as a single-file checkpoint. Pickle files are refused by name, unopened; a
   * file of another family, a damaged file or one without all three networks is refused with one
   * sentence, and nothing is kept open.
   */
  static LdmCheckpoint open(Path file, CheckpointOptions options) {
    String lower = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
    if (PickleFiles.isPickle(file)) {
      throw new ModelPackException(PickleFiles.refusal(file.toString()));
    }
    if (!lower.endsWith(".safetensors")) {
      throw new ModelPackException(
          file
              + " is not a model; Stepwise opens a diffusers folder or a single-file"
              + " .safetensors checkpoint.");
    }
    SafetensorsFile f = SafetensorsFile.open(file, file.toString());
    try {
      return new LdmCheckpoint(f, options);
    } catch (RuntimeException e) {
      f.close();
      throw e;
    }
  }

  /** The prompt tokenizer: the override folder's, else CLIP's bundled vocabulary. */
  PromptTokenizer tokenizer(int window) {
    if (refiner) {
      return tokenizer2(window); // OpenCLIP's, padded with "!"
    }
    if (tokenizerDir != null) {
      return Tokenizers.load(tokenizerDir, window);
    }
    ClipBpeTokenizer t = ClipBpeTokenizer.bundled(window);
    return sd2 ? t.withPadToken("!") : t; // SD 2.x's tokenizer pads with "!" (id 0)
  }

  /**
   * SDXL's second tokenizer: the override folder's, else CLIP's bundled vocabulary padded with "!"
   * (id 0), as diffusers' tokenizer_2 and OpenCLIP pad; the first pads with its end token.
   */
  PromptTokenizer tokenizer2(int window) {
    if (tokenizer2Dir != null) {
      return Tokenizers.load(tokenizer2Dir, window);
    }
    return ClipBpeTokenizer.bundled(window).withPadToken("!");
  }

  @Override
  public void close() {
    file.close();
  }

  private void refuseOtherFamilies(Set<String> keys) {
    String family = null;
    for (String k : keys) {
      if (k.endsWith("joint_blocks.0.context_block.adaLN_modulation.1.bias")) {
        family = "a Stable Diffusion 3";
      } else if (k.endsWith("double_blocks.0.img_attn.norm.key_norm.scale")) {
        family = "a Flux";
      }
      if (family != null) {
        throw new ModelPackException(
            name
                + " is "
                + family
                + " checkpoint, which Stepwise does not support yet; it opens SD 1.x, 2.x and XL"
                + " checkpoints.");
      }
    }
    String missing =
        !keys.contains(LdmKeyMap.UNET + "input_blocks.0.0.weight")
            ? "a Stable Diffusion UNet (model.diffusion_model.*)"
            : LdmKeyMap.VAE_PREFIXES.stream()
                    .noneMatch(p -> keys.contains(p + "decoder.conv_in.weight"))
                ? "an autoencoder (first_stage_model.*)"
                : keys.stream()
                        .noneMatch(
                            k ->
                                k.startsWith(LdmKeyMap.CLIP)
                                    || k.startsWith(LdmKeyMap.OPEN_CLIP)
                                    || k.startsWith(LdmKeyMap.SDXL))
                    ? "a text encoder (cond_stage_model.*)"
                    : sdxlMissing(keys);
    if (missing != null) {
      throw new ModelPackException(
          name
              + " holds no "
              + missing
              + "; Stepwise opens complete SD 1.x, 2.x and XL checkpoints, not LoRAs, VAEs or"
              + " other parts.");
    }
    boolean xl = keys.stream().anyMatch(k -> k.startsWith(LdmKeyMap.SDXL));
    if (!xl && keys.contains(LdmKeyMap.UNET + "label_emb.0.0.weight")) {
      throw new ModelPackException(
          name
              + " has a class-conditioned UNet (label_emb), which Stepwise does not support yet;"
              + " it opens SD 1.x and 2.x text-to-image checkpoints.");
    }
  }

  /** What an SDXL file lacks of its second encoder, its first or its added embedding, or null. */
  private static String sdxlMissing(Set<String> keys) {
    if (keys.stream().noneMatch(k -> k.startsWith(LdmKeyMap.SDXL))) {
      return null;
    }
    boolean refiner = keys.stream().anyMatch(k -> k.startsWith(LdmKeyMap.REFINER_OPEN_CLIP));
    if (!refiner && keys.stream().noneMatch(k -> k.startsWith(LdmKeyMap.SDXL_OPEN_CLIP))) {
      return "second text encoder (conditioner.embedders.1.model.*), which SDXL needs";
    }
    if (!refiner && keys.stream().noneMatch(k -> k.startsWith(LdmKeyMap.SDXL_CLIP))) {
      return "first text encoder (conditioner.embedders.0.transformer.*), which SDXL needs";
    }
    return keys.contains(LdmKeyMap.UNET + "label_emb.0.0.weight")
        ? null
        : "pooled-text embedding in its UNet (model.diffusion_model.label_emb.*), which SDXL needs";
  }

  private JsonObject inferUnet() {
    Set<String> names = unet.names();
    int levels = 1 + LdmKeyMap.maxIndex(names, "down_blocks.");
    JsonArray channels = new JsonArray();
    JsonArray down = new JsonArray();
    JsonArray up = new JsonArray();
    JsonArray heads = new JsonArray();
    JsonArray depth = new JsonArray(); // transformer blocks per attention, per level
    for (int b = 0; b < levels; b++) {
      long c = dim(unet, "down_blocks." + b + ".resnets.0.conv1.weight", 0); // [C, Cin, 3, 3]
      channels.add(c);
      heads.add(Math.max(1, c / 64)); // SD 2.x: heads of 64 dimensions
      boolean attn = names.contains("down_blocks." + b + ".attentions.0.proj_in.weight");
      down.add(attn ? "CrossAttnDownBlock2D" : "DownBlock2D");
      String blocks = "down_blocks." + b + ".attentions.0.transformer_blocks.";
      depth.add(attn ? 1 + LdmKeyMap.maxIndex(names, blocks) : 1);
      attn = names.contains("up_blocks." + b + ".attentions.0.proj_in.weight");
      up.add(attn ? "CrossAttnUpBlock2D" : "UpBlock2D");
    }
    String attn2 = "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"; // [C, ctx]
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "UNet2DConditionModel");
    long in = dim(unet, "conv_in.weight", 1); // [C0, in, 3, 3]
    o.addProperty("sample_size", sdxl ? 128 : sd2 && in == 4 ? 96 : 64);
    o.addProperty("in_channels", in);
    o.addProperty("out_channels", dim(unet, "conv_out.weight", 0)); // [out, C0, 3, 3]
    o.add("down_block_types", down);
    o.add("up_block_types", up);
    o.add("block_out_channels", channels);
    o.addProperty("layers_per_block", 1 + LdmKeyMap.maxIndex(names, "down_blocks.0.resnets."));
    o.addProperty("cross_attention_dim", dim(unet, attn2, 1));
    if (sdxl) {
      if (!down.get(levels - 1).getAsString().startsWith("CrossAttn")) {
        // The mid block takes the last level's depth (diffusers); the refiner's last level has no
        // attention, so that entry is the mid block's own (4 on the refiner: [1, 4, 4, 4]).
        depth.set(
            levels - 1,
            new JsonPrimitive(
                1 + LdmKeyMap.maxIndex(names, "mid_block.attentions.0.transformer_blocks.")));
      }
      o.add("transformer_layers_per_block", depth);
      addTimeIds(o);
    } else {
      o.addProperty(
          "transformer_layers_per_block",
          1 + LdmKeyMap.maxIndex(names, "mid_block.attentions.0.transformer_blocks."));
    }
    if (sd2 || sdxl) {
      o.add("attention_head_dim", heads);
    } else {
      o.addProperty("attention_head_dim", 8);
    }
    long[] projIn = unet.shape("mid_block.attentions.0.proj_in.weight");
    o.addProperty("use_linear_projection", projIn != null && projIn.length == 2);
    o.addProperty("upcast_attention", sd2 && in == 4 && !sdxl);
    o.addProperty("norm_num_groups", 32);
    return o;
  }

  /**
   * SDXL's added embedding: {@code add_embedding.linear_1} [C, P + 6 x T] takes the pooled text (P,
   * text encoder 2's projection) and six time ids through sinusoids of width T.
   */
  private void addTimeIds(JsonObject o) {
    long in = dim(unet, "add_embedding.linear_1.weight", 1); // [C, P + K T]
    long pooled = textEncoder2Config.get("projection_dim").getAsLong();
    int ids = refiner ? 5 : 6; // the refiner: original size, crop, aesthetic score
    long t = (in - pooled) / ids;
    if (in <= pooled || (in - pooled) % ids != 0) {
      throw new ModelPackException(
          "The UNet of "
              + name
              + " takes "
              + in
              + " added inputs (label_emb.0.0), which is not the pooled width "
              + pooled
              + (refiner
                  ? " plus five time-id embeddings, as the SDXL refiner's is."
                  : " plus six time-id embeddings; Stepwise opens SDXL base and refiner models."));
    }
    o.addProperty("addition_embed_type", "text_time");
    o.addProperty("addition_time_embed_dim", t);
    o.addProperty("projection_class_embeddings_input_dim", in);
  }

  private JsonObject inferVae(int sampleSize) {
    int levels = 1 + LdmKeyMap.maxIndex(vae.names(), "encoder.down_blocks.");
    JsonArray channels = new JsonArray();
    JsonArray down = new JsonArray();
    JsonArray up = new JsonArray();
    for (int i = 0; i < levels; i++) {
      channels.add(dim(vae, "encoder.down_blocks." + i + ".resnets.0.conv1.weight", 0));
      down.add("DownEncoderBlock2D");
      up.add("UpDecoderBlock2D");
    }
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "AutoencoderKL");
    o.addProperty("in_channels", dim(vae, "encoder.conv_in.weight", 1)); // [C0, 3, 3, 3]
    o.addProperty("out_channels", dim(vae, "decoder.conv_out.weight", 0)); // [3, C0, 3, 3]
    o.add("down_block_types", down);
    o.add("up_block_types", up);
    o.add("block_out_channels", channels);
    o.addProperty(
        "layers_per_block", 1 + LdmKeyMap.maxIndex(vae.names(), "encoder.down_blocks.0.resnets."));
    o.addProperty("latent_channels", dim(vae, "decoder.conv_in.weight", 1)); // [C, latent, 3, 3]
    o.addProperty("norm_num_groups", 32);
    o.addProperty("sample_size", sampleSize);
    o.addProperty("scaling_factor", sdxl ? 0.13025 : 0.18215);
    if (sdxl) {
      o.addProperty("force_upcast", true); // the SDXL autoencoder overflows in half precision
    }
    return o;
  }

  /**
   * The config of {@code textEncoder} (the parameter shadows the field on purpose): SDXL's second
   * ({@code second}) is a CLIPTextModelWithProjection with GELU.
   */
  private JsonObject inferTextEncoder(TensorSource textEncoder, boolean second) {
    String emb = "text_model.embeddings.";
    long hidden = dim(textEncoder, emb + "token_embedding.weight", 1); // [vocab, hidden]
    long vocab = dim(textEncoder, emb + "token_embedding.weight", 0);
    if ((second ? tokenizer2Dir : tokenizerDir) == null && vocab != CLIP_VOCABULARY) {
      throw new ModelPackException(
          (second ? "The second text encoder of " : "The text encoder of ")
              + name
              + " has "
              + vocab
              + " token embeddings, but CLIP's vocabulary, which Stepwise uses for single-file"
              + " checkpoints, has 49,408.");
    }
    JsonObject o = new JsonObject();
    o.add("architectures", new JsonArray());
    o.getAsJsonArray("architectures").add(second ? "CLIPTextModelWithProjection" : "CLIPTextModel");
    if (second) {
      o.addProperty("projection_dim", dim(textEncoder, "text_projection.weight", 0)); // [P, D]
    }
    o.addProperty("vocab_size", vocab);
    o.addProperty("hidden_size", hidden);
    o.addProperty(
        "intermediate_size", dim(textEncoder, "text_model.encoder.layers.0.mlp.fc1.weight", 0));
    o.addProperty(
        "num_hidden_layers",
        1 + LdmKeyMap.maxIndex(textEncoder.names(), "text_model.encoder.layers."));
    o.addProperty("num_attention_heads", Math.max(1, hidden / 64)); // heads of 64 dimensions
    o.addProperty(
        "max_position_embeddings", dim(textEncoder, emb + "position_embedding.weight", 0));
    o.addProperty("hidden_act", sd2 || second ? "gelu" : "quick_gelu");
    o.addProperty("layer_norm_eps", 1e-5);
    return o;
  }

  /** SD's schedule (diffusers single_file_utils.py SCHEDULER_DEFAULT_CONFIG). */
  private static JsonObject scheduler(boolean vPrediction) {
    JsonObject o = new JsonObject();
    o.addProperty("_class_name", "PNDMScheduler");
    o.addProperty("beta_schedule", "scaled_linear");
    o.addProperty("beta_start", 0.00085);
    o.addProperty("beta_end", 0.012);
    o.addProperty("num_train_timesteps", 1000);
    o.addProperty("prediction_type", vPrediction ? "v_prediction" : "epsilon");
    o.addProperty("set_alpha_to_one", false);
    o.addProperty("skip_prk_steps", true);
    o.addProperty("steps_offset", 1);
    o.addProperty("clip_sample", false);
    o.addProperty("timestep_spacing", "leading");
    return o;
  }

  private static JsonObject overlay(JsonObject inferred, CheckpointOptions o, String component) {
    JsonObject fields = o.configFields().get(component);
    if (fields != null) {
      for (Map.Entry<String, JsonElement> e : fields.entrySet()) {
        inferred.add(e.getKey(), e.getValue().deepCopy());
      }
    }
    return inferred;
  }

  /** Dimension {@code i} of diffusers tensor {@code tensor}, refused when absent or too short. */
  private long dim(TensorSource s, String tensor, int i) {
    long[] shape = s.shape(tensor);
    if (shape == null || shape.length <= i) {
      throw new ModelPackException(
          s.origin()
              + " lacks "
              + tensor
              + (shape == null ? "" : " of rank " + (i + 1) + " or more")
              + "; it is not a complete SD 1.x, 2.x or XL checkpoint.");
    }
    return shape[i];
  }

  private void describe(LdmKeyMap map, Set<String> keys, boolean inpainting) {
    String what =
        refiner
            ? "Stable Diffusion XL refiner"
            : sdxl ? "Stable Diffusion XL" : sd2 ? "Stable Diffusion 2.x" : "Stable Diffusion 1.x";
    notices.add(
        name
            + " was read as a "
            + what
            + (inpainting ? " inpainting" : "")
            + " checkpoint, its configuration inferred from the tensors.");
    if (sd2 && !inpainting) {
      notices.add(
          "The file does not say whether it predicts noise or velocity; it is run as the"
              + " 768-pixel v-prediction model, so choose epsilon for a 512-pixel base model.");
    }
    long ema = keys.stream().filter(k -> k.startsWith("model_ema.")).count();
    if (ema > 0) {
      notices.add("The " + ema + " EMA tensors (model_ema.*) were ignored.");
    }
    if (!map.unmapped.isEmpty()) {
      List<String> shown = map.unmapped.subList(0, Math.min(5, map.unmapped.size()));
      notices.add(
          map.unmapped.size()
              + " tensors belong to no network Stepwise uses and were ignored ("
              + String.join(", ", shown)
              + (map.unmapped.size() > 5 ? ", ..." : "")
              + ").");
    }
  }
}
