package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ModelPackException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A whole-word tokenizer read from a HuggingFace {@code tokenizer.json} whose {@code model.type} is
 * {@code "WordLevel"} (tokenizers/src/models/wordlevel); the built-in model pack uses one.
 *
 * <p>What is read, and nothing else:
 *
 * <ul>
 *   <li>{@code model}: {@code vocab} (word to id) and {@code unk_token} (optional; when set it must
 *       be in {@code vocab}).
 *   <li>{@code normalizer}: null, Lowercase, NFC, NFKC, NFD, StripAccents, Strip, Replace, Sequence
 *       (see {@link HfNormalizers}).
 *   <li>{@code pre_tokenizer}: null, Whitespace, WhitespaceSplit, Punctuation, Split, Sequence (see
 *       {@link HfPreTokenizers}).
 *   <li>{@code post_processor}: null, TemplateProcessing (single template), BertProcessing,
 *       RobertaProcessing (see {@link HfPostProcessor}).
 *   <li>{@code padding}: {@code pad_id} (default 0) or, without it, {@code pad_token} looked up in
 *       the vocabulary; {@code strategy} must be {@code {"Fixed": n}} or {@code "BatchLongest"} and
 *       {@code direction} (if present) {@code "Right"}. Whatever the strategy, ids are padded to
 *       {@link #maxLength()}. Without padding the pad id is 0 unless {@link #withPadToken} sets it.
 *   <li>{@code truncation}: {@code max_length} caps the ids (special tokens included) below {@link
 *       #maxLength()}; {@code direction} (if present) must be {@code "Right"}. Without it the
 *       window alone truncates.
 *   <li>{@code added_tokens}: {@code id} and {@code content}; a content found verbatim in the raw
 *       prompt (leftmost, longest first) becomes that id without normalisation; {@code special}
 *       ones are left out of {@link #vocabularyWords()}. {@code single_word}, {@code lstrip},
 *       {@code rstrip} and {@code normalized} are not interpreted.
 * </ul>
 *
 * <p>A word missing from the vocabulary becomes the {@code unk_token} id, or is dropped when there
 * is no unk token; either way it is listed once in {@link TokenizedPrompt#unknownWords()}. {@link
 * TokenizedPrompt#keptText()} is the normalised text up to the last word kept. Any type outside
 * this subset is refused with a {@link ModelPackException} naming it and the supported types.
 * Instances are immutable and thread-safe.
 */
public final class WordLevelTokenizer implements PromptTokenizer {
  /** The largest truncation max_length accepted (text windows are tens of tokens). */
  static final int MAX_TRUNCATION = 1 << 16;

  private final Map<String, Integer> vocab;
  private final int unkId;
  private final UnaryOperator<String> normalizer;
  private final HfPreTokenizers.Splitter preTokenizer;
  private final HfPostProcessor post;
  private final List<String> addedContents; // longest first
  private final Map<String, Integer> addedIds;
  private final Set<String> specialContents;
  private final int truncationLimit;
  private final int maxLength;
  private final int padId;
  private final String origin;
  private volatile Set<String> words;

  private WordLevelTokenizer(WordLevelTokenizer base, int maxLength, int padId) {
    this.vocab = base.vocab;
    this.unkId = base.unkId;
    this.normalizer = base.normalizer;
    this.preTokenizer = base.preTokenizer;
    this.post = base.post;
    this.addedContents = base.addedContents;
    this.addedIds = base.addedIds;
    this.specialContents = base.specialContents;
    this.truncationLimit = base.truncationLimit;
    this.origin = base.origin;
    this.maxLength = checkFits(TokenizerFiles.checkWindow(maxLength), post, origin);
    this.padId = padId;
  }

  private WordLevelTokenizer(JsonObject root, int maxLength, String origin) {
    this.origin = origin;
    JsonObject model = TokenizerFiles.object(root, "model", origin);
    String type = model == null ? null : TokenizerFiles.string(model, "type", origin + " model");
    if (!"WordLevel".equals(type)) {
      throw new ModelPackException(
          "The model type of " + origin + " is " + type + "; this reader needs \"WordLevel\".");
    }
    JsonObject vocabJson = TokenizerFiles.object(model, "vocab", origin + " model");
    if (vocabJson == null) {
      throw new ModelPackException(
          "The WordLevel model in " + origin + " needs a \"vocab\" object.");
    }
    this.vocab = Map.copyOf(BpeFiles.parseVocab(vocabJson, origin));
    String unk = TokenizerFiles.string(model, "unk_token", origin + " model");
    if (unk != null && !vocab.containsKey(unk)) {
      throw new ModelPackException(
          "The unk_token \"" + unk + "\" of " + origin + " is not in its vocabulary.");
    }
    this.unkId = unk == null ? -1 : vocab.get(unk);
    this.normalizer = HfNormalizers.parse(root.get("normalizer"), origin);
    this.preTokenizer = HfPreTokenizers.parse(root.get("pre_tokenizer"), origin);
    this.post = HfPostProcessor.parse(root.get("post_processor"), origin);
    Map<String, Integer> added = new HashMap<>();
    Set<String> specials = new HashSet<>();
    readAddedTokens(root, added, specials);
    this.addedIds = Map.copyOf(added);
    this.specialContents = Set.copyOf(specials);
    List<String> contents = new ArrayList<>(added.keySet());
    contents.sort(Comparator.comparingInt(String::length).reversed());
    this.addedContents = List.copyOf(contents);
    this.truncationLimit = readTruncation(root);
    this.padId = readPadId(root);
    this.maxLength = checkFits(TokenizerFiles.checkWindow(maxLength), post, origin);
  }

  private static int checkFits(int maxLength, HfPostProcessor post, String origin) {
    if (post.added() > maxLength) {
      throw new ModelPackException(
          "The post-processor of "
              + origin
              + " adds "
              + post.added()
              + " special tokens, more than the window of "
              + maxLength
              + ".");
    }
    return maxLength;
  }

  /**
   * Reads a WordLevel tokenizer.json.
   *
   * @throws ModelPackException if the file is missing, too large, malformed, not WordLevel or uses
   *     a component outside the supported subset
   */
  public static WordLevelTokenizer fromTokenizerJson(Path tokenizerJson, int maxLength) {
    TokenizerFiles.checkWindow(maxLength);
    return fromJson(
        TokenizerFiles.readJsonObject(tokenizerJson), maxLength, tokenizerJson.toString());
  }

  static WordLevelTokenizer fromJson(JsonObject root, int maxLength, String origin) {
    return new WordLevelTokenizer(root, maxLength, origin);
  }

  private void readAddedTokens(JsonObject root, Map<String, Integer> added, Set<String> specials) {
    JsonElement list = TokenizerFiles.member(root, "added_tokens");
    if (list == null) {
      return;
    }
    if (!list.isJsonArray()) {
      throw new ModelPackException("The added_tokens of " + origin + " must be an array.");
    }
    for (JsonElement item : list.getAsJsonArray()) {
      if (!item.isJsonObject()) {
        throw new ModelPackException(
            "Every entry of added_tokens in " + origin + " must be an object.");
      }
      JsonObject token = item.getAsJsonObject();
      String content = TokenizerFiles.string(token, "content", origin + " added_tokens");
      int id =
          TokenizerFiles.tokenId(
              token.get("id"), "The id of added token " + content + " in " + origin);
      if (content == null || content.isEmpty()) {
        throw new ModelPackException("An added token in " + origin + " has no content.");
      }
      added.put(content, id);
      if (TokenizerFiles.bool(token, "special", false, origin + " added_tokens")) {
        specials.add(content);
      }
    }
  }

  private int readTruncation(JsonObject root) {
    JsonObject truncation = TokenizerFiles.object(root, "truncation", origin);
    if (truncation == null) {
      return Integer.MAX_VALUE;
    }
    checkRight(truncation, "truncation");
    int limit =
        TokenizerFiles.length(
            truncation.get("max_length"), "truncation.max_length in " + origin, MAX_TRUNCATION);
    if (limit < post.added()) {
      throw new ModelPackException(
          "The truncation max_length "
              + limit
              + " in "
              + origin
              + " is smaller than the "
              + post.added()
              + " special tokens the post-processor adds.");
    }
    return limit;
  }

  private int readPadId(JsonObject root) {
    JsonObject padding = TokenizerFiles.object(root, "padding", origin);
    if (padding == null) {
      return 0;
    }
    checkRight(padding, "padding");
    JsonElement strategy = TokenizerFiles.member(padding, "strategy");
    boolean known =
        strategy == null
            || (strategy.isJsonPrimitive() && "BatchLongest".equals(strategy.getAsString()))
            || (strategy.isJsonObject() && strategy.getAsJsonObject().has("Fixed"));
    if (!known) {
      throw new ModelPackException(
          "The padding strategy "
              + strategy
              + " in "
              + origin
              + " is not supported; use {\"Fixed\": n} or \"BatchLongest\".");
    }
    if (TokenizerFiles.member(padding, "pad_id") != null) {
      return TokenizerFiles.tokenId(padding.get("pad_id"), "padding.pad_id in " + origin);
    }
    String padToken = TokenizerFiles.string(padding, "pad_token", origin + " padding");
    return padToken == null ? 0 : lookupToken(padToken, "padding.pad_token");
  }

  private void checkRight(JsonObject section, String name) {
    String direction = TokenizerFiles.string(section, "direction", origin + " " + name);
    if (direction != null && !direction.equals("Right")) {
      throw new ModelPackException(
          "The "
              + name
              + " direction "
              + direction
              + " in "
              + origin
              + " is not supported; only Right is.");
    }
  }

  private int lookupToken(String token, String what) {
    Integer id = addedIds.get(token);
    if (id == null) {
      id = vocab.get(token);
    }
    if (id == null) {
      throw new ModelPackException(
          "The "
              + what
              + " \""
              + token
              + "\" is in neither the vocabulary nor the added tokens of "
              + origin
              + ".");
    }
    return id;
  }

  /**
   * A tokenizer identical to this one except that it pads with {@code padToken} (from
   * tokenizer_config.json or special_tokens_map.json).
   *
   * @throws ModelPackException if neither the vocabulary nor the added tokens hold it
   */
  public WordLevelTokenizer withPadToken(String padToken) {
    return new WordLevelTokenizer(this, maxLength, lookupToken(padToken, "pad token"));
  }

  /** A tokenizer identical to this one with another window. */
  public WordLevelTokenizer withMaxLength(int newMaxLength) {
    return new WordLevelTokenizer(this, newMaxLength, padId);
  }

  @Override
  public TokenizedPrompt encode(String prompt) {
    if (prompt == null) {
      throw new EngineException("The prompt is null; pass an empty string for no prompt.");
    }
    Scan scan = scan(prompt, contentCapacity());
    int[] ids = window(Arrays.copyOf(scan.content(), scan.count()));
    int n = post.prefix().length + scan.count() + post.suffix().length;
    return new TokenizedPrompt(
        ids, n, scan.truncated(), new ArrayList<>(scan.unknown()), scan.kept());
  }

  @Override
  public PromptPiece tokenizePiece(String text) {
    if (text == null) {
      throw new EngineException("The prompt is null; pass an empty string for no prompt.");
    }
    Scan scan = scan(text, Integer.MAX_VALUE);
    return new PromptPiece(
        Arrays.copyOf(scan.content(), scan.count()), new ArrayList<>(scan.unknown()));
  }

  @Override
  public int contentCapacity() {
    return Math.min(maxLength, truncationLimit) - post.added();
  }

  @Override
  public int contentOffset() {
    return post.prefix().length;
  }

  /** The post-processor's prefix, the content, its suffix, then the pad id. */
  @Override
  public int[] window(int[] content) {
    if (content.length > contentCapacity()) {
      throw new EngineException(
          "A window holds at most "
              + contentCapacity()
              + " content tokens, not "
              + content.length
              + ".");
    }
    int[] ids = new int[maxLength];
    int n = 0;
    for (int id : post.prefix()) {
      ids[n++] = id;
    }
    System.arraycopy(content, 0, ids, n, content.length);
    n += content.length;
    for (int id : post.suffix()) {
      ids[n++] = id;
    }
    Arrays.fill(ids, n, maxLength, padId);
    return ids;
  }

  @Override
  public int commaId() {
    return id(",");
  }

  /** The content ids of {@code prompt}, at most {@code budget} of them, and what was seen. */
  private record Scan(
      int[] content, int count, boolean truncated, Set<String> unknown, String kept) {}

  private Scan scan(String prompt, int budget) {
    int[] content = new int[Math.min(budget, 64)];
    int count = 0;
    boolean truncated = false;
    Set<String> unknown = new LinkedHashSet<>();
    StringBuilder kept = new StringBuilder();
    int pos = 0;
    while (pos < prompt.length() && !truncated) {
      int[] hit = nextAdded(prompt, pos);
      int textEnd = hit == null ? prompt.length() : hit[0];
      if (textEnd > pos) {
        String normalized = normalizer.apply(prompt.substring(pos, textEnd));
        int keptEnd = normalized.length();
        for (int[] span : preTokenizer.split(normalized)) {
          String word = normalized.substring(span[0], span[1]);
          Integer known = vocab.get(word);
          int id = known != null ? known : unkId; // -1: unknown and no unk token, so dropped
          if (id >= 0 && count == budget) {
            truncated = true;
            keptEnd = span[0];
            break;
          }
          if (known == null) {
            unknown.add(word);
          }
          if (id >= 0) {
            if (count == content.length) {
              content = Arrays.copyOf(content, (int) Math.min(budget, 2L * count));
            }
            content[count++] = id;
          }
        }
        kept.append(normalized, 0, keptEnd);
      }
      if (hit != null && !truncated) {
        if (count == budget) {
          truncated = true;
        } else {
          if (count == content.length) {
            content = Arrays.copyOf(content, (int) Math.min(budget, 2L * count));
          }
          content[count++] = hit[2];
          kept.append(addedContents.get(hit[1]));
        }
      }
      pos = hit == null ? prompt.length() : hit[0] + addedContents.get(hit[1]).length();
    }
    return new Scan(content, count, truncated, unknown, kept.toString().strip());
  }

  /** The leftmost (then longest) added token at or after {@code from}: {start, index, id}. */
  private int[] nextAdded(String text, int from) {
    int[] best = null;
    for (int i = 0; i < addedContents.size(); i++) {
      int at = text.indexOf(addedContents.get(i), from);
      if (at >= 0 && (best == null || at < best[0])) {
        best = new int[] {at, i, addedIds.get(addedContents.get(i))};
      }
    }
    return best;
  }

  /** The id of {@code word} in the model vocabulary, or -1. */
  public int id(String word) {
    Integer id = vocab.get(word);
    return id == null ? -1 : id;
  }

  /** The id used for padding. */
  public int padId() {
    return padId;
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  /** The vocabulary words made only of letters, special added tokens left out, in id order. */
  @Override
  public Set<String> vocabularyWords() {
    Set<String> result = words;
    if (result == null) {
      List<Map.Entry<String, Integer>> entries = new ArrayList<>(vocab.entrySet());
      entries.sort(Map.Entry.comparingByValue());
      Set<String> set = new LinkedHashSet<>();
      for (Map.Entry<String, Integer> e : entries) {
        String word = e.getKey();
        if (!word.isEmpty()
            && !specialContents.contains(word)
            && e.getValue() != unkId
            && word.codePoints().allMatch(Character::isLetter)) {
          set.add(word);
        }
      }
      result = Collections.unmodifiableSet(set);
      words = result;
    }
    return result;
  }

  @Override
  public String toString() {
    return "WordLevelTokenizer[" + origin + ", maxLength=" + maxLength + ", pad=" + padId + "]";
  }
}
