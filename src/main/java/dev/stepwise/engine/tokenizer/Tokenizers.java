package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the tokenizer of a model pack folder (a diffusers {@code tokenizer/} folder or the built-in
 * pack's).
 *
 * <p>Order: {@code tokenizer.json} if present ({@link WordLevelTokenizer} for {@code model.type}
 * WordLevel, {@link ClipBpeTokenizer} for BPE), otherwise {@code vocab.json} with {@code
 * merges.txt} (CLIP BPE). Then, when present, {@code tokenizer_config.json}'s {@code
 * model_max_length} lowers the window to it if smaller (a huge "unset" value is ignored), and the
 * pad token is taken from {@code special_tokens_map.json}'s {@code pad_token}, else from {@code
 * tokenizer_config.json}'s, else from tokenizer.json's padding, else the model default (CLIP:
 * {@code <|endoftext|>}; WordLevel: id 0). Every file is size-checked (64 MiB) before parsing.
 */
public final class Tokenizers {
  private Tokenizers() {}

  /**
   * Loads the tokenizer in {@code tokenizerDir} for an encoder window of {@code maxLength}.
   *
   * @throws ModelPackException if the folder lacks the files or they are unusable
   * @throws dev.stepwise.engine.EngineException if {@code maxLength} is outside 2..8192
   */
  public static PromptTokenizer load(Path tokenizerDir, int maxLength) {
    TokenizerFiles.checkWindow(maxLength);
    if (tokenizerDir == null || !Files.isDirectory(tokenizerDir)) {
      throw new ModelPackException("The tokenizer folder " + tokenizerDir + " does not exist.");
    }
    Path config = tokenizerDir.resolve("tokenizer_config.json");
    Path specialMap = tokenizerDir.resolve("special_tokens_map.json");
    JsonObject configJson = Files.exists(config) ? TokenizerFiles.readJsonObject(config) : null;
    JsonObject specialJson =
        Files.exists(specialMap) ? TokenizerFiles.readJsonObject(specialMap) : null;
    int window = Math.min(maxLength, modelMaxLength(configJson, config));
    String padToken = TokenizerFiles.tokenContent(specialJson, "pad_token", specialMap.toString());
    if (padToken == null) {
      padToken = TokenizerFiles.tokenContent(configJson, "pad_token", config.toString());
    }

    Path tokenizerJson = tokenizerDir.resolve("tokenizer.json");
    Path vocab = tokenizerDir.resolve("vocab.json");
    Path merges = tokenizerDir.resolve("merges.txt");
    if (Files.exists(tokenizerJson)) {
      JsonObject root = TokenizerFiles.readJsonObject(tokenizerJson);
      JsonObject model = TokenizerFiles.object(root, "model", tokenizerJson.toString());
      String type =
          model == null ? null : TokenizerFiles.string(model, "type", tokenizerJson + " model");
      if ("WordLevel".equals(type)) {
        WordLevelTokenizer t = WordLevelTokenizer.fromJson(root, window, tokenizerJson.toString());
        return padToken == null ? t : t.withPadToken(padToken);
      }
      if ("BPE".equals(type)) {
        ClipBpeTokenizer t = ClipBpeTokenizer.fromJson(root, window, tokenizerJson.toString());
        return padToken == null ? t : t.withPadToken(padToken);
      }
      throw new ModelPackException(
          "The model type "
              + type
              + " in "
              + tokenizerJson
              + " is not supported; supported types are WordLevel and BPE (CLIP).");
    }
    if (Files.exists(vocab) && Files.exists(merges)) {
      ClipBpeTokenizer t = ClipBpeTokenizer.fromVocabAndMerges(vocab, merges, window);
      return padToken == null ? t : t.withPadToken(padToken);
    }
    throw new ModelPackException(
        "The tokenizer folder "
            + tokenizerDir
            + " needs tokenizer.json, or vocab.json together with merges.txt.");
  }

  /** tokenizer_config.json's model_max_length, or Integer.MAX_VALUE when absent or huge. */
  private static int modelMaxLength(JsonObject configJson, Path config) {
    JsonElement value = TokenizerFiles.member(configJson, "model_max_length");
    if (value == null) {
      return Integer.MAX_VALUE;
    }
    double d =
        value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber() ? value.getAsDouble() : -1;
    if (d < TokenizerFiles.MIN_WINDOW || d != Math.rint(d)) {
      throw new ModelPackException(
          "The model_max_length "
              + value
              + " in "
              + config
              + " must be a whole number of at least "
              + TokenizerFiles.MIN_WINDOW
              + ".");
    }
    return d >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) d;
  }
}
