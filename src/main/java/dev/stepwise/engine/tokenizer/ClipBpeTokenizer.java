package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ModelPackException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, as Stable Diffusion 1.x/2.x use it (transformers
 * models/clip/tokenization_clip.py; fast twin in convert_slow_tokenizer.py CLIPConverter).
 *
 * <p>Pipeline: (1) normalise: Unicode NFC, every run of whitespace to one space, trim, lower case
 * ({@link Locale#ROOT}); (2) split with CLIP's pattern {@code <|startoftext|>|<|endoftext|>|'s|'t|
 * 're|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+} (case-insensitive, Unicode classes), so digits
 * come out one at a time and spaces are dropped; (3) each piece's UTF-8 bytes go through {@code
 * bytes_to_unicode} and {@link BpeModel} (with {@code </w>} on the last symbol); the two special
 * strings map straight to their ids; (4) {@code <|startoftext|>} first, at most {@code maxLength -
 * 2} content tokens, {@code <|endoftext|>}, then the pad id up to {@code maxLength}.
 *
 * <p>Differences from the reference: transformers' slow tokenizer runs {@code ftfy.fix_text}
 * (mojibake repair, curly to straight quotes, ligatures and full-width forms, HTML entities in some
 * versions) before step 1; ftfy is a Python library and is not reproduced, so prompts that need
 * such repairs can tokenize differently. The pipeline is CLIPTokenizerFast's (NFC, whitespace
 * Replace, Lowercase, the same split), which has no ftfy step either. (The slow tokenizer without
 * ftfy installed falls back to BERT's BasicTokenizer, which also puts each CJK character in its own
 * word; that fallback is not reproduced.) Java's and Python's notions of whitespace differ for a
 * few control characters (U+001C..U+001F count as whitespace in Python only), and an unpaired
 * UTF-16 surrogate is encoded as {@code '?'}.
 *
 * <p>Byte-level BPE can spell any text, so {@link TokenizedPrompt#unknownWords()} is always empty.
 * The pad id is {@code <|endoftext|>} (49407, SD1.x) unless {@link #withPadToken} names another
 * token (SD2.x pads with {@code "!"}, id 0). Instances are immutable and thread-safe; the per-word
 * BPE cache is shared by tokenizers derived with {@link #withPadToken}.
 */
public final class ClipBpeTokenizer implements PromptTokenizer {
  private static final Pattern SPLIT =
      Pattern.compile(
          "<\\|startoftext\\|>|<\\|endoftext\\|>" // the two special tokens
              + "|'s|'t|'re|'ve|'m|'ll|'d" // English contractions
              + "|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+", // letters, one digit, other marks
          Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern WHITESPACE =
      Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  private final BpeModel model;
  private final int maxLength;
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final String origin;
  private volatile Set<String> words;

  private ClipBpeTokenizer(BpeModel model, int maxLength, int padId, String origin) {
    this.model = model;
    this.maxLength = TokenizerFiles.checkWindow(maxLength);
    this.bosId = special(model, BpeFiles.BOS, origin);
    this.eosId = special(model, BpeFiles.EOS, origin);
    this.padId = padId < 0 ? eosId : padId;
    this.origin = origin;
    if (this.padId >= model.vocabularySize()) {
      throw new ModelPackException(
          "The pad id "
              + padId
              + " of "
              + origin
              + " is outside the vocabulary of "
              + model.vocabularySize()
              + " ids.");
    }
  }

  private static int special(BpeModel model, String token, String origin) {
    Integer id = model.id(token);
    if (id == null) {
      throw new ModelPackException(
          "The vocabulary of "
              + origin
              + " lacks the special token "
              + token
              + " that CLIP needs.");
    }
    return id;
  }

  /**
   * Builds the tokenizer from a {@code vocab.json} and a {@code merges.txt} (the {@code #version}
   * line skipped, every merge present used).
   *
   * @throws ModelPackException if a file is missing, too large, malformed or inconsistent
   */
  public static ClipBpeTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt, int maxLength) {
    TokenizerFiles.checkWindow(maxLength);
    String origin = vocabJson + " and " + mergesTxt;
    Map<String, Integer> vocab =
        BpeFiles.parseVocab(TokenizerFiles.readJsonObject(vocabJson), vocabJson.toString());
    List<String[]> merges =
        BpeFiles.parseMerges(TokenizerFiles.readText(mergesTxt), mergesTxt.toString());
    BpeModel model = new BpeModel(vocab, BpeFiles.sizeOf(vocab), merges, origin);
    return new ClipBpeTokenizer(model, maxLength, -1, origin);
  }

  /**
   * Builds the tokenizer from {@code merges.txt} alone, deriving the vocabulary as CLIP does: 256
   * byte symbols, the same with {@code </w>}, each merge joined in rank order, then {@code
   * <|startoftext|>} and {@code <|endoftext|>} (49,408 ids for CLIP's 48,894 merges).
   *
   * @throws ModelPackException if the file is missing, too large or malformed
   */
  public static ClipBpeTokenizer fromMerges(Path mergesTxt, int maxLength) {
    TokenizerFiles.checkWindow(maxLength);
    List<String[]> merges =
        BpeFiles.parseMerges(TokenizerFiles.readText(mergesTxt), mergesTxt.toString());
    Map<String, Integer> vocab = BpeFiles.derivedVocab(merges);
    int size = 512 + merges.size() + 2;
    BpeModel model = new BpeModel(vocab, size, merges, mergesTxt.toString());
    return new ClipBpeTokenizer(model, maxLength, -1, mergesTxt.toString());
  }

  /**
   * CLIP's own vocabulary, bundled with Stepwise for single-file checkpoints (which carry no
   * tokenizer): the same ids as SD 1.x's vocab.json and merges.txt. Padded with {@code
   * <|endoftext|>}; SD 2.x pads with {@code "!"} ({@link #withPadToken}). Built once, then shared.
   */
  public static ClipBpeTokenizer bundled(int maxLength) {
    return BundledHolder.BASE.withMaxLength(maxLength);
  }

  private static final class BundledHolder {
    static final ClipBpeTokenizer BASE = readBundled();

    private static ClipBpeTokenizer readBundled() {
      List<String[]> merges = BundledClipMerges.read();
      String origin = "the bundled CLIP vocabulary";
      BpeModel model =
          new BpeModel(BpeFiles.derivedVocab(merges), 512 + merges.size() + 2, merges, origin);
      return new ClipBpeTokenizer(model, 77, -1, origin);
    }
  }

  /**
   * Builds the tokenizer from a HuggingFace {@code tokenizer.json} whose model is {@code BPE} with
   * {@code end_of_word_suffix "</w>"} and whose pre-tokenizer includes {@code ByteLevel} (CLIP's
   * layout); the vocabulary and merges come from {@code model}, the pad id from {@code
   * padding.pad_id} when padding is set. The file's normalizer and split pattern are not
   * interpreted: CLIP's fixed pipeline (see the class comment) is applied.
   *
   * @throws ModelPackException if the file is missing, too large or not such a tokenizer
   */
  public static ClipBpeTokenizer fromTokenizerJson(Path tokenizerJson, int maxLength) {
    TokenizerFiles.checkWindow(maxLength);
    return fromJson(
        TokenizerFiles.readJsonObject(tokenizerJson), maxLength, tokenizerJson.toString());
  }

  static ClipBpeTokenizer fromJson(JsonObject root, int maxLength, String origin) {
    JsonObject model = TokenizerFiles.object(root, "model", origin);
    String type = model == null ? null : TokenizerFiles.string(model, "type", origin + " model");
    if (!"BPE".equals(type)) {
      throw new ModelPackException(
          "The model type of " + origin + " is " + type + "; this reader needs \"BPE\".");
    }
    String suffix = TokenizerFiles.string(model, "end_of_word_suffix", origin + " model");
    if (!BpeModel.END_OF_WORD.equals(suffix) || !mentionsByteLevel(root.get("pre_tokenizer"))) {
      throw new ModelPackException(
          "The BPE tokenizer in "
              + origin
              + " is not CLIP-style; only byte-level BPE with end_of_word_suffix \"</w>\" is"
              + " supported.");
    }
    JsonObject vocabJson = TokenizerFiles.object(model, "vocab", origin + " model");
    if (vocabJson == null) {
      throw new ModelPackException("The BPE model in " + origin + " needs a \"vocab\" object.");
    }
    Map<String, Integer> vocab = BpeFiles.parseVocab(vocabJson, origin);
    BpeFiles.addSpecialsFromAddedTokens(root, vocab, origin);
    List<String[]> merges = BpeFiles.jsonMerges(model, origin);
    BpeModel bpe = new BpeModel(vocab, BpeFiles.sizeOf(vocab), merges, origin);
    JsonObject padding = TokenizerFiles.object(root, "padding", origin);
    int padId = -1;
    if (padding != null && TokenizerFiles.member(padding, "pad_id") != null) {
      padId = TokenizerFiles.tokenId(padding.get("pad_id"), "padding.pad_id in " + origin);
    }
    return new ClipBpeTokenizer(bpe, maxLength, padId, origin);
  }

  private static boolean mentionsByteLevel(JsonElement preTokenizer) {
    if (preTokenizer == null || !preTokenizer.isJsonObject()) {
      return false;
    }
    JsonObject object = preTokenizer.getAsJsonObject();
    if ("ByteLevel".equals(TokenizerFiles.string(object, "type", "pre_tokenizer"))) {
      return true;
    }
    JsonElement list = TokenizerFiles.member(object, "pretokenizers");
    if (list != null && list.isJsonArray()) {
      for (JsonElement child : list.getAsJsonArray()) {
        if (mentionsByteLevel(child)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A tokenizer identical to this one except that it pads with {@code padToken} (for example {@code
   * "!"} for SD2.x, from tokenizer_config.json's {@code pad_token}).
   *
   * @throws ModelPackException if the vocabulary lacks {@code padToken}
   */
  public ClipBpeTokenizer withPadToken(String padToken) {
    Integer id = padToken == null ? null : model.id(padToken);
    if (id == null) {
      throw new ModelPackException(
          "The pad token \"" + padToken + "\" is not in the vocabulary of " + origin + ".");
    }
    return new ClipBpeTokenizer(model, maxLength, id, origin);
  }

  /** A tokenizer identical to this one with another window (for tokenizer_config.json's limit). */
  public ClipBpeTokenizer withMaxLength(int newMaxLength) {
    return new ClipBpeTokenizer(model, newMaxLength, padId, origin);
  }

  @Override
  public TokenizedPrompt encode(String prompt) {
    if (prompt == null) {
      throw new EngineException("The prompt is null; pass an empty string for no prompt.");
    }
    String cleaned = clean(prompt);
    String lower = cleaned.toLowerCase(Locale.ROOT);
    // Offsets in `lower` equal those in `cleaned` when lower-casing kept the length (nearly
    // always).
    String shown = lower.length() == cleaned.length() ? cleaned : lower;
    int budget = maxLength - 2;
    int[] ids = new int[maxLength];
    ids[0] = bosId;
    int count = 0;
    int keptEnd = 0;
    boolean truncated = false;
    Matcher m = SPLIT.matcher(lower);
    while (m.find()) {
      int[] pieceIds = wordIds(m.group());
      if (count + pieceIds.length > budget) {
        int fit = budget - count;
        System.arraycopy(pieceIds, 0, ids, 1 + count, fit);
        count += fit;
        truncated = true;
        break;
      }
      System.arraycopy(pieceIds, 0, ids, 1 + count, pieceIds.length);
      count += pieceIds.length;
      keptEnd = m.end();
    }
    ids[1 + count] = eosId;
    Arrays.fill(ids, 2 + count, maxLength, padId);
    String kept = truncated ? shown.substring(0, keptEnd) : shown;
    return new TokenizedPrompt(ids, count + 2, truncated, List.of(), kept);
  }

  /** The ids of one piece of CLIP's split: a special token's id, else its BPE tokens. */
  private int[] wordIds(String piece) {
    if (piece.equals(BpeFiles.BOS)) {
      return new int[] {bosId};
    } else if (piece.equals(BpeFiles.EOS)) {
      return new int[] {eosId};
    }
    return model.encodeWord(piece);
  }

  @Override
  public PromptPiece tokenizePiece(String text) {
    if (text == null) {
      throw new EngineException("The prompt is null; pass an empty string for no prompt.");
    }
    Matcher m = SPLIT.matcher(clean(text).toLowerCase(Locale.ROOT));
    int[] ids = new int[16];
    int count = 0;
    while (m.find()) {
      int[] pieceIds = wordIds(m.group());
      if (count + pieceIds.length > ids.length) {
        ids = Arrays.copyOf(ids, Math.max(2 * ids.length, count + pieceIds.length));
      }
      System.arraycopy(pieceIds, 0, ids, count, pieceIds.length);
      count += pieceIds.length;
    }
    return new PromptPiece(Arrays.copyOf(ids, count), List.of());
  }

  @Override
  public int contentCapacity() {
    return maxLength - 2;
  }

  @Override
  public int contentOffset() {
    return 1;
  }

  /** BOS, the content, EOS, then the pad id: the layout of {@link #encode}. */
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
    ids[0] = bosId;
    System.arraycopy(content, 0, ids, 1, content.length);
    ids[1 + content.length] = eosId;
    Arrays.fill(ids, 2 + content.length, maxLength, padId);
    return ids;
  }

  @Override
  public int commaId() {
    return id("," + BpeModel.END_OF_WORD);
  }

  /** NFC, every whitespace run to one space, leading and trailing spaces removed; case kept. */
  static String clean(String text) {
    String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
    String collapsed = WHITESPACE.matcher(nfc).replaceAll(" ");
    int start = 0;
    int end = collapsed.length();
    while (start < end && collapsed.charAt(start) == ' ') {
      start++;
    }
    while (end > start && collapsed.charAt(end - 1) == ' ') {
      end--;
    }
    return collapsed.substring(start, end);
  }

  /**
   * The BPE token strings of {@code prompt} without special tokens, truncation or padding, in
   * byte-symbol form (for example {@code "photo</w>"}); for inspection and tests.
   */
  public List<String> tokenStrings(String prompt) {
    TokenizedPrompt encoded = withMaxLength(TokenizerFiles.MAX_WINDOW).encode(prompt);
    int[] ids = encoded.tokenIds();
    List<String> out = new ArrayList<>(ids.length);
    for (int i = 1; i < ids.length - 1; i++) {
      out.add(model.token(ids[i]));
    }
    return out;
  }

  /** The token with id {@code id}, or null when no token has it. */
  public String token(int id) {
    return model.token(id);
  }

  /** The id of {@code token}, or -1 when the vocabulary lacks it. */
  public int id(String token) {
    Integer id = model.id(token);
    return id == null ? -1 : id;
  }

  /** One more than the largest token id (49,408 for CLIP). */
  public int vocabularySize() {
    return model.vocabularySize();
  }

  /** The id of {@code <|startoftext|>}. */
  public int bosId() {
    return bosId;
  }

  /** The id of {@code <|endoftext|>}. */
  public int eosId() {
    return eosId;
  }

  /** The id used for padding. */
  public int padId() {
    return padId;
  }

  @Override
  public int maxLength() {
    return maxLength;
  }

  /**
   * The vocabulary entries that end a word ({@code </w>}), with the suffix removed and the byte
   * symbols decoded to text, kept when every character is a letter and the word is already lower
   * case (the tokenizer lower-cases prompts, so upper-case byte symbols never occur); in id order
   * (roughly merge frequency order).
   */
  @Override
  public Set<String> vocabularyWords() {
    Set<String> result = words;
    if (result == null) {
      List<Map.Entry<String, Integer>> ends = new ArrayList<>();
      for (Map.Entry<String, Integer> e : model.vocabulary().entrySet()) {
        if (e.getKey().endsWith(BpeModel.END_OF_WORD)) {
          ends.add(e);
        }
      }
      ends.sort(Map.Entry.comparingByValue());
      Set<String> set = new LinkedHashSet<>();
      for (Map.Entry<String, Integer> e : ends) {
        String token = e.getKey();
        String symbols = token.substring(0, token.length() - BpeModel.END_OF_WORD.length());
        // Printable ASCII maps to itself in the byte table, so only other words need decoding.
        boolean ascii = symbols.chars().allMatch(c -> c > ' ' && c < 127);
        String word = ascii ? symbols : ByteUnicode.decode(symbols);
        if (word != null
            && !word.isEmpty()
            && word.codePoints().allMatch(Character::isLetter)
            && word.equals(word.toLowerCase(Locale.ROOT))) {
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
    return "ClipBpeTokenizer[" + origin + ", maxLength=" + maxLength + ", pad=" + padId + "]";
  }
}
