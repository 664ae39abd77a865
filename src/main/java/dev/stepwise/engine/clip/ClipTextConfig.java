package dev.stepwise.engine.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;

/**
 * The fields of transformers' CLIPTextConfig that the text tower uses (text_encoder/config.json),
 * with transformers' defaults (models/clip/configuration_clip.py).
 */
public record ClipTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    String hiddenAct,
    double layerNormEps) {

  public ClipTextConfig {
    if (!hiddenAct.equals("quick_gelu") && !hiddenAct.equals("gelu")) {
      throw new ModelPackException(
          "text_encoder/config.json: hidden_act \"" + hiddenAct + "\" is not supported; Stepwise reads quick_gelu and gelu.");
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new ModelPackException(
          "text_encoder/config.json: hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads + ".");
    }
  }

  private static void positive(String field, int v) {
    if (v <= 0) {
      throw new ModelPackException("text_encoder/config.json: " + field + " must be positive, got " + v + ".");
    }
  }

  /** Parses text_encoder/config.json (a CLIPTextConfig, or a CLIPConfig with a text_config). */
  public static ClipTextConfig fromJson(JsonObject o) {
    JsonObject c = o.has("text_config") && o.get("text_config").isJsonObject() ? o.getAsJsonObject("text_config") : o;
    return new ClipTextConfig(
        integer(c, "vocab_size", 49408),
        integer(c, "hidden_size", 512),
        integer(c, "intermediate_size", 2048),
        integer(c, "num_hidden_layers", 12),
        integer(c, "num_attention_heads", 8),
        integer(c, "max_position_embeddings", 77),
        string(c, "hidden_act", "quick_gelu"),
        number(c, "layer_norm_eps", 1e-5));
  }

  private static int integer(JsonObject o, String key, int dflt) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    try {
      double d = e.getAsDouble();
      if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (int) d;
    } catch (RuntimeException ex) {
      throw new ModelPackException("text_encoder/config.json: " + key + " must be an integer, got " + e + ".");
    }
  }

  private static double number(JsonObject o, String key, double dflt) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    try {
      return e.getAsDouble();
    } catch (RuntimeException ex) {
      throw new ModelPackException("text_encoder/config.json: " + key + " must be a number, got " + e + ".");
    }
  }

  private static String string(JsonObject o, String key, String dflt) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new ModelPackException("text_encoder/config.json: " + key + " must be a string, got " + e + ".");
    }
    return e.getAsString();
  }
}
