package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the BPE data files: {@code merges.txt}, {@code vocab.json}, the vocabulary CLIP derives
 * from its merges, and the {@code model} section of a BPE {@code tokenizer.json}.
 */
final class BpeFiles {
  static final String BOS = "<|startoftext|>";
  static final String EOS = "<|endoftext|>";

  private BpeFiles() {}

  /**
   * Parses merges.txt: an optional first line starting with {@code #version}, then one merge per
   * line, two symbols separated by one space, in rank order. Blank lines are skipped; every merge
   * present is used.
   */
  static List<String[]> parseMerges(String text, String origin) {
    String[] lines = text.split("\n", -1);
    List<String[]> merges = new ArrayList<>(lines.length);
    for (int i = 0; i < lines.length; i++) {
      String line =
          lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
      if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
        continue;
      }
      merges.add(splitMerge(line, origin + " line " + (i + 1)));
    }
    if (merges.isEmpty()) {
      throw new ModelPackException("The merges file " + origin + " holds no merges.");
    }
    return merges;
  }

  private static String[] splitMerge(String line, String where) {
    int space = line.indexOf(' ');
    if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
      throw new ModelPackException(
          "The merge \""
              + line
              + "\" at "
              + where
              + " must be two symbols separated by one space.");
    }
    return new String[] {line.substring(0, space), line.substring(space + 1)};
  }

  /** Parses a vocab.json object: token string to non-negative integer id. */
  static Map<String, Integer> parseVocab(JsonObject json, String origin) {
    Map<String, Integer> vocab = new HashMap<>(json.size() * 2);
    for (Map.Entry<String, JsonElement> e : json.entrySet()) {
      vocab.put(
          e.getKey(),
          TokenizerFiles.tokenId(e.getValue(), "The id of \"" + e.getKey() + "\" in " + origin));
    }
    if (vocab.isEmpty()) {
      throw new ModelPackException("The vocabulary in " + origin + " is empty.");
    }
    return vocab;
  }

  /** One more than the largest id of {@code vocab}. */
  static int sizeOf(Map<String, Integer> vocab) {
    int max = -1;
    for (int id : vocab.values()) {
      max = Math.max(max, id);
    }
    return max + 1;
  }

  /**
   * The vocabulary CLIP builds from its merges (see /work/shared/data/clip/README.md and the
   * reference tokenizer): the 256 byte symbols in table order, the same 256 with {@code </w>}, each
   * merge's joined pair in rank order, then {@code <|startoftext|>} and {@code <|endoftext|>}. A
   * string listed twice keeps its later id (Python dict construction), the size counts every listed
   * entry: 49,408 for CLIP's 48,894 merges.
   */
  static Map<String, Integer> derivedVocab(List<String[]> merges) {
    List<String> list = new ArrayList<>(512 + merges.size() + 2);
    int[] order = ByteUnicode.symbolOrder();
    for (int b : order) {
      list.add(String.valueOf(ByteUnicode.charOf(b)));
    }
    for (int b : order) {
      list.add(ByteUnicode.charOf(b) + BpeModel.END_OF_WORD);
    }
    for (String[] merge : merges) {
      list.add(merge[0] + merge[1]);
    }
    list.add(BOS);
    list.add(EOS);
    Map<String, Integer> vocab = new HashMap<>(list.size() * 2);
    for (int id = 0; id < list.size(); id++) {
      vocab.put(list.get(id), id);
    }
    return vocab;
  }

  /**
   * Reads the merges of a tokenizer.json BPE model: either strings {@code "a b"} or two-element
   * arrays {@code ["a", "b"]} (newer files), in rank order.
   */
  static List<String[]> jsonMerges(JsonObject model, String origin) {
    JsonElement value = TokenizerFiles.member(model, "merges");
    if (value == null || !value.isJsonArray()) {
      throw new ModelPackException("The BPE model in " + origin + " needs a \"merges\" array.");
    }
    JsonArray array = value.getAsJsonArray();
    List<String[]> merges = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      JsonElement item = array.get(i);
      String where = origin + " merge " + (i + 1);
      if (item.isJsonPrimitive() && item.getAsJsonPrimitive().isString()) {
        merges.add(splitMerge(item.getAsString(), where));
      } else if (item.isJsonArray()
          && item.getAsJsonArray().size() == 2
          && isString(item.getAsJsonArray().get(0))
          && isString(item.getAsJsonArray().get(1))) {
        merges.add(
            new String[] {
              item.getAsJsonArray().get(0).getAsString(), item.getAsJsonArray().get(1).getAsString()
            });
      } else {
        throw new ModelPackException(
            "The " + where + " must be a string \"a b\" or a pair of strings [\"a\", \"b\"].");
      }
    }
    return merges;
  }

  /**
   * Adds {@code <|startoftext|>} and {@code <|endoftext|>} from a tokenizer.json's {@code
   * added_tokens} when the model vocabulary lacks them (CLIP's files list them in both places).
   */
  static void addSpecialsFromAddedTokens(
      JsonObject root, Map<String, Integer> vocab, String origin) {
    JsonElement added = TokenizerFiles.member(root, "added_tokens");
    if (added == null || !added.isJsonArray()) {
      return;
    }
    for (JsonElement item : added.getAsJsonArray()) {
      if (item.isJsonObject()) {
        String content = TokenizerFiles.string(item.getAsJsonObject(), "content", origin);
        if ((BOS.equals(content) || EOS.equals(content)) && !vocab.containsKey(content)) {
          vocab.put(
              content,
              TokenizerFiles.tokenId(
                  item.getAsJsonObject().get("id"), "The id of " + content + " in " + origin));
        }
      }
    }
  }

  private static boolean isString(JsonElement e) {
    return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
  }
}
