package dev.stepwise.engine.clip;

import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.ConfigFields;

/**
 * The fields of transformers' CLIPTextConfig that the text tower uses (text_encoder/config.json),
 * with transformers' defaults (models/clip/configuration_clip.py).
 *
 * <p>{@code projectionDim} is 0 for a CLIPTextModel and transformers' {@code projection_dim} for a
 * CLIPTextModelWithProjection (architectures names it; SDXL's text_encoder_2), which carries {@code
 * text_projection.weight [P, D]}. {@code eosTokenId} picks the pooled position: 2 is transformers'
 * legacy value, meaning the position of the largest id (argmax).
 */
public record ClipTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    String hiddenAct,
    double layerNormEps,
    int projectionDim,
    int eosTokenId) {

  /** A CLIPTextModel without projection, pooling at the largest id. */
  public ClipTextConfig(
      int vocabSize,
      int hiddenSize,
      int intermediateSize,
      int numHiddenLayers,
      int numAttentionHeads,
      int maxPositionEmbeddings,
      String hiddenAct,
      double layerNormEps) {
    this(
        vocabSize,
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        maxPositionEmbeddings,
        hiddenAct,
        layerNormEps,
        0,
        2);
  }

  public ClipTextConfig {
    if (!hiddenAct.equals("quick_gelu") && !hiddenAct.equals("gelu")) {
      throw new ModelPackException(
          "text_encoder/config.json: hidden_act \""
              + hiddenAct
              + "\" is not supported; Stepwise reads quick_gelu and gelu.");
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (projectionDim < 0) {
      throw new ModelPackException(
          "text_encoder/config.json: projection_dim must be positive, got " + projectionDim + ".");
    }
    if (hiddenSize % numAttentionHeads != 0) {
      throw new ModelPackException(
          "text_encoder/config.json: hidden_size "
              + hiddenSize
              + " is not divisible by num_attention_heads "
              + numAttentionHeads
              + ".");
    }
  }

  private static void positive(String field, int v) {
    if (v <= 0) {
      throw new ModelPackException(
          "text_encoder/config.json: " + field + " must be positive, got " + v + ".");
    }
  }

  /** Whether this is a CLIPTextModelWithProjection (text_projection after the pooled output). */
  public boolean withProjection() {
    return projectionDim > 0;
  }

  /** Parses text_encoder/config.json (a CLIPTextConfig, or a CLIPConfig with a text_config). */
  public static ClipTextConfig fromJson(JsonObject o) {
    JsonObject c =
        o.has("text_config") && o.get("text_config").isJsonObject()
            ? o.getAsJsonObject("text_config")
            : o;
    ConfigFields f = new ConfigFields(c, "text_encoder/config.json");
    boolean projected =
        o.has("architectures")
            && o.get("architectures").toString().contains("\"CLIPTextModelWithProjection\"");
    return new ClipTextConfig(
        f.integer("vocab_size", 49408),
        f.integer("hidden_size", 512),
        f.integer("intermediate_size", 2048),
        f.integer("num_hidden_layers", 12),
        f.integer("num_attention_heads", 8),
        f.integer("max_position_embeddings", 77),
        f.string("hidden_act", "quick_gelu"),
        f.number("layer_norm_eps", 1e-5),
        projected ? f.integer("projection_dim", 512) : 0,
        f.integer("eos_token_id", 49407));
  }
}
