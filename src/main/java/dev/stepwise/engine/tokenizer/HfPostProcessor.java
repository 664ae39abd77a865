package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.util.ArrayList;
import java.util.List;

/**
 * The special tokens a HuggingFace post-processor puts around a single sequence, read from the
 * {@code "post_processor"} field of tokenizer.json (tokenizers/src/processors).
 *
 * <ul>
 *   <li>{@code null}: nothing added.
 *   <li>{@code TemplateProcessing}: the {@code single} template, either the serialised piece list
 *       ({@code {"SpecialToken": {"id": "[BOS]"}}}, {@code {"Sequence": {"id": "A"}}}) or a string
 *       such as {@code "[BOS] $A [EOS]"} (also {@code $}, {@code $0}, {@code :type_id} suffixes);
 *       every special token's ids come from {@code special_tokens}. The template must hold sequence
 *       A exactly once; type ids are ignored.
 *   <li>{@code BertProcessing} and {@code RobertaProcessing}: {@code cls} before and {@code sep}
 *       after, each given as {@code [token, id]}.
 * </ul>
 *
 * @param prefix ids before the content
 * @param suffix ids after the content
 */
record HfPostProcessor(int[] prefix, int[] suffix) {
  static final List<String> SUPPORTED =
      List.of("TemplateProcessing", "BertProcessing", "RobertaProcessing");

  /** How many ids the processor adds. */
  int added() {
    return prefix.length + suffix.length;
  }

  /** Parses a post-processor; JSON null or absent adds nothing. */
  static HfPostProcessor parse(JsonElement json, String origin) {
    if (json == null || json.isJsonNull()) {
      return new HfPostProcessor(new int[0], new int[0]);
    }
    if (!json.isJsonObject()) {
      throw new ModelPackException(
          "The post_processor in " + origin + " must be a JSON object or null.");
    }
    JsonObject object = json.getAsJsonObject();
    String type = TokenizerFiles.string(object, "type", origin + " post_processor");
    String where = origin + " post_processor " + type;
    switch (type == null ? "" : type) {
      case "TemplateProcessing":
        return template(object, where);
      case "BertProcessing":
      case "RobertaProcessing":
        return new HfPostProcessor(
            new int[] {pairId(object, "cls", where)}, new int[] {pairId(object, "sep", where)});
      default:
        throw new ModelPackException(
            "The post-processor type "
                + type
                + " in "
                + origin
                + " is not supported; supported post-processors are "
                + String.join(", ", SUPPORTED)
                + " and null.");
    }
  }

  private static int pairId(JsonObject object, String name, String where) {
    JsonElement value = TokenizerFiles.member(object, name);
    if (value == null || !value.isJsonArray() || value.getAsJsonArray().size() != 2) {
      throw new ModelPackException("The " + where + " needs \"" + name + "\" as [token, id].");
    }
    return TokenizerFiles.tokenId(value.getAsJsonArray().get(1), "The " + name + " id in " + where);
  }

  private static HfPostProcessor template(JsonObject object, String where) {
    JsonElement single = TokenizerFiles.member(object, "single");
    List<String> pieces = new ArrayList<>(); // special token names, with "$A" for the sequence
    if (single != null && single.isJsonPrimitive() && single.getAsJsonPrimitive().isString()) {
      for (String part : single.getAsString().trim().split(" +")) {
        pieces.add(pieceFromString(part, where));
      }
    } else if (single != null && single.isJsonArray()) {
      for (JsonElement item : single.getAsJsonArray()) {
        pieces.add(pieceFromJson(item, where));
      }
    } else {
      throw new ModelPackException("The " + where + " needs a \"single\" template.");
    }
    if (pieces.stream().filter("$A"::equals).count() != 1) {
      throw new ModelPackException(
          "The single template of " + where + " must contain sequence $A exactly once.");
    }
    JsonObject specials = TokenizerFiles.object(object, "special_tokens", where);
    List<Integer> prefix = new ArrayList<>();
    List<Integer> suffix = new ArrayList<>();
    List<Integer> target = prefix;
    for (String piece : pieces) {
      if (piece.equals("$A")) {
        target = suffix;
        continue;
      }
      JsonObject special = specials == null ? null : TokenizerFiles.object(specials, piece, where);
      JsonElement ids = special == null ? null : TokenizerFiles.member(special, "ids");
      if (ids == null || !ids.isJsonArray()) {
        throw new ModelPackException(
            "The special token " + piece + " of " + where + " has no ids in \"special_tokens\".");
      }
      for (JsonElement id : ids.getAsJsonArray()) {
        target.add(TokenizerFiles.tokenId(id, "The id of " + piece + " in " + where));
      }
    }
    return new HfPostProcessor(
        prefix.stream().mapToInt(Integer::intValue).toArray(),
        suffix.stream().mapToInt(Integer::intValue).toArray());
  }

  /** "$A", "$", "$0", "$A:0" -> "$A"; "$B..." refused; "[CLS]:0" -> "[CLS]". */
  private static String pieceFromString(String part, String where) {
    String id = part;
    int colon = part.lastIndexOf(':');
    if (colon > 0 && part.substring(colon + 1).matches("[0-9]+")) {
      id = part.substring(0, colon);
    }
    if (id.startsWith("$")) {
      String rest = id.substring(1);
      if (rest.isEmpty() || rest.equalsIgnoreCase("A") || rest.matches("[0-9]+")) {
        return "$A";
      }
      throw new ModelPackException(
          "The template piece "
              + part
              + " in "
              + where
              + " is not allowed in a single template; use $A.");
    }
    return id;
  }

  private static String pieceFromJson(JsonElement item, String where) {
    if (item.isJsonPrimitive() && item.getAsJsonPrimitive().isString()) {
      return pieceFromString(item.getAsString(), where);
    }
    if (item.isJsonObject()) {
      JsonObject piece = item.getAsJsonObject();
      JsonObject sequence = TokenizerFiles.object(piece, "Sequence", where);
      if (sequence != null) {
        String id = TokenizerFiles.string(sequence, "id", where);
        if ("A".equals(id)) {
          return "$A";
        }
        throw new ModelPackException(
            "The template sequence "
                + id
                + " in "
                + where
                + " is not allowed in a single template; use A.");
      }
      JsonObject special = TokenizerFiles.object(piece, "SpecialToken", where);
      String id = special == null ? null : TokenizerFiles.string(special, "id", where);
      if (id != null) {
        return id;
      }
    }
    throw new ModelPackException(
        "A piece of the single template in "
            + where
            + " is neither a Sequence nor a SpecialToken.");
  }
}
