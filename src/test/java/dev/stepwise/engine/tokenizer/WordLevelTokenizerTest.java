package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.ModelPackException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** WordLevel tokenizer.json subset, on a small hand-written file. */
class WordLevelTokenizerTest {
  /** A tokenizer.json as HuggingFace tokenizers serialises it (Tokenizer.to_str()). */
  static final String JSON =
      """
      {
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [
          {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
           "normalized": false, "special": true},
          {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
           "normalized": false, "special": true},
          {"id": 2, "content": "[BOS]", "single_word": false, "lstrip": false, "rstrip": false,
           "normalized": false, "special": true},
          {"id": 3, "content": "[EOS]", "single_word": false, "lstrip": false, "rstrip": false,
           "normalized": false, "special": true}
        ],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
          "type": "TemplateProcessing",
          "single": [
            {"SpecialToken": {"id": "[BOS]", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": "[EOS]", "type_id": 0}}
          ],
          "pair": [
            {"SpecialToken": {"id": "[BOS]", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"Sequence": {"id": "B", "type_id": 1}},
            {"SpecialToken": {"id": "[EOS]", "type_id": 1}}
          ],
          "special_tokens": {
            "[BOS]": {"id": "[BOS]", "ids": [2], "tokens": ["[BOS]"]},
            "[EOS]": {"id": "[EOS]", "ids": [3], "tokens": ["[EOS]"]}
          }
        },
        "decoder": null,
        "model": {
          "type": "WordLevel",
          "vocab": {"[PAD]": 0, "[UNK]": 1, "[BOS]": 2, "[EOS]": 3, "a": 4, "red": 5, "cat": 6,
                    ",": 7, "on": 8, "the": 9, "mat": 10, "!": 11, "smiling": 12, "face": 13,
                    "cafe": 14},
          "unk_token": "[UNK]"
        }
      }
      """;

  static JsonObject json(Consumer<JsonObject> edit) {
    JsonObject root = JsonParser.parseString(JSON).getAsJsonObject();
    edit.accept(root);
    return root;
  }

  static WordLevelTokenizer tokenizer(int maxLength, Consumer<JsonObject> edit) {
    return WordLevelTokenizer.fromJson(json(edit), maxLength, "test tokenizer.json");
  }

  private static final WordLevelTokenizer BASE = tokenizer(16, root -> {});

  @Test
  void lowercasesSplitsPunctuationAndWrapsWithBosEos() {
    TokenizedPrompt p = BASE.encode("A Red Cat, on the MAT!");
    assertArrayEquals(new int[] {2, 4, 5, 6, 7, 8, 9, 10, 11, 3}, p.tokenIds());
    assertEquals(10, p.length());
    assertEquals(16, p.ids().length);
    assertFalse(p.truncated());
    assertTrue(p.unknownWords().isEmpty());
    assertEquals("a red cat, on the mat!", p.keptText());
    for (int i = 10; i < 16; i++) {
      assertEquals(0, p.ids()[i]);
    }
  }

  @Test
  void unknownWordsMapToUnkAndAreReportedOnceInOrder() {
    TokenizedPrompt p = BASE.encode("a blue cat and a BLUE dog");
    assertArrayEquals(new int[] {2, 4, 1, 6, 1, 4, 1, 1, 3}, p.tokenIds());
    assertEquals(List.of("blue", "and", "dog"), p.unknownWords());
  }

  @Test
  void withoutUnkTokenUnknownWordsAreDroppedAndReported() {
    WordLevelTokenizer noUnk =
        tokenizer(16, root -> root.getAsJsonObject("model").remove("unk_token"));
    TokenizedPrompt p = noUnk.encode("a blue cat and a dog");
    assertArrayEquals(new int[] {2, 4, 6, 4, 3}, p.tokenIds());
    assertEquals(List.of("blue", "and", "dog"), p.unknownWords());
  }

  @Test
  void whitespacePreTokenizerKeepsPunctuationRunsTogetherButPunctuationSplitsThem() {
    assertEquals(List.of("!!"), BASE.encode("cat,mat!!").unknownWords());
    assertArrayEquals(new int[] {2, 6, 7, 10, 1, 3}, BASE.encode("cat,mat!!").tokenIds());
    WordLevelTokenizer punct =
        tokenizer(
            16,
            root ->
                root.add(
                    "pre_tokenizer",
                    JsonParser.parseString(
                        "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"WhitespaceSplit\"},"
                            + "{\"type\":\"Punctuation\",\"behavior\":\"Isolated\"}]}")));
    assertArrayEquals(new int[] {2, 6, 7, 10, 11, 11, 3}, punct.encode("cat,mat!!").tokenIds());
  }

  @Test
  void emptyPromptIsSpecialTokensAndPadding() {
    TokenizedPrompt p = BASE.encode("");
    assertArrayEquals(new int[] {2, 3}, p.tokenIds());
    assertEquals(0, p.ids()[15]);
    assertEquals("", p.keptText());
  }

  @Test
  void truncatesToTheWindowKeepingEos() {
    WordLevelTokenizer small = BASE.withMaxLength(6);
    TokenizedPrompt p = small.encode("a red cat on the mat");
    assertArrayEquals(new int[] {2, 4, 5, 6, 8, 3}, p.ids());
    assertTrue(p.truncated());
    assertEquals("a red cat on", p.keptText());
    TokenizedPrompt exact = small.encode("a red cat on");
    assertFalse(exact.truncated());
    TokenizedPrompt cutUnknown = small.encode("a red cat on blue");
    assertTrue(cutUnknown.truncated());
    assertTrue(cutUnknown.unknownWords().isEmpty(), "a word cut off is not reported");
  }

  @Test
  void truncationMaxLengthCapsBelowTheWindowAndPaddingIdIsRead() {
    WordLevelTokenizer t =
        tokenizer(
            16,
            root -> {
              root.add(
                  "truncation",
                  JsonParser.parseString(
                      "{\"direction\":\"Right\",\"max_length\":5,\"strategy\":\"LongestFirst\",\"stride\":0}"));
              root.add(
                  "padding",
                  JsonParser.parseString(
                      "{\"strategy\":{\"Fixed\":16},\"direction\":\"Right\",\"pad_to_multiple_of\":null,"
                          + "\"pad_id\":13,\"pad_type_id\":0,\"pad_token\":\"face\"}"));
            });
    TokenizedPrompt p = t.encode("a red cat on the mat");
    assertEquals(5, p.length());
    assertArrayEquals(new int[] {2, 4, 5, 6, 3}, p.tokenIds());
    assertEquals(16, p.ids().length);
    assertEquals(13, p.ids()[15]);
    assertTrue(p.truncated());
    assertEquals(0, t.withPadToken("[PAD]").encode("a").ids()[15]);
  }

  @Test
  void aHugeTruncationLengthIsCalledALength() {
    dev.stepwise.engine.ModelPackException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.stepwise.engine.ModelPackException.class,
            () ->
                tokenizer(
                    16,
                    root ->
                        root.add(
                            "truncation",
                            JsonParser.parseString(
                                "{\"direction\":\"Right\",\"max_length\":100000000,\"strategy\":\"LongestFirst\",\"stride\":0}"))));
    assertTrue(
        e.getMessage().contains("max_length") && e.getMessage().contains("a length must be"),
        e.getMessage());
  }

  @Test
  void bertProcessingAndStringTemplatesAddTheSameTokens() {
    int[] expected = BASE.encode("a cat").ids();
    WordLevelTokenizer bert =
        tokenizer(
            16,
            root ->
                root.add(
                    "post_processor",
                    JsonParser.parseString(
                        "{\"type\":\"BertProcessing\",\"sep\":[\"[EOS]\",3],\"cls\":[\"[BOS]\",2]}")));
    assertArrayEquals(expected, bert.encode("a cat").ids());
    WordLevelTokenizer stringTemplate =
        tokenizer(
            16,
            root -> {
              JsonObject post = root.getAsJsonObject("post_processor");
              post.addProperty("single", "[BOS]:0 $A:0 [EOS]:0");
            });
    assertArrayEquals(expected, stringTemplate.encode("a cat").ids());
    WordLevelTokenizer none = tokenizer(16, root -> root.add("post_processor", null));
    assertArrayEquals(new int[] {4, 6}, none.encode("a cat").tokenIds());
  }

  @Test
  void addedTokensInThePromptBecomeTheirIds() {
    assertArrayEquals(new int[] {2, 4, 3, 6, 3}, BASE.encode("a [EOS] cat").tokenIds());
  }

  @Test
  void accentsCanBeStrippedAndTextReplaced() {
    WordLevelTokenizer t =
        tokenizer(
            16,
            root ->
                root.add(
                    "normalizer",
                    JsonParser.parseString(
                        "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},{\"type\":\"StripAccents\"},"
                            + "{\"type\":\"Lowercase\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\"_\"},\"content\":\""
                            + " \"},{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}]}")));
    assertArrayEquals(new int[] {2, 14, 5, 6, 3}, t.encode("  Café_RED_cat ").tokenIds());
  }

  @Test
  void vocabularyWordsAreLettersWithoutSpecials() {
    var words = BASE.vocabularyWords();
    assertEquals(
        List.of("a", "red", "cat", "on", "the", "mat", "smiling", "face", "cafe"),
        new ArrayList<>(words));
  }

  @Test
  void unsupportedNormalizerIsRefusedNamingTheSupportedOnes() {
    ModelPackException e =
        assertThrows(
            ModelPackException.class,
            () ->
                tokenizer(
                    16,
                    root ->
                        root.add(
                            "normalizer",
                            JsonParser.parseString(
                                "{\"type\":\"BertNormalizer\",\"clean_text\":true,\"lowercase\":true}"))));
    assertTrue(e.getMessage().contains("BertNormalizer"), e.getMessage());
    assertTrue(e.getMessage().contains("Lowercase, NFC, NFKC, NFD, StripAccents"), e.getMessage());
  }

  @Test
  void otherUnsupportedPartsAreRefused() {
    assertThrows(
        ModelPackException.class,
        () ->
            tokenizer(
                16,
                root ->
                    root.add("pre_tokenizer", JsonParser.parseString("{\"type\":\"Metaspace\"}"))));
    assertThrows(
        ModelPackException.class,
        () ->
            tokenizer(
                16,
                root ->
                    root.add(
                        "post_processor", JsonParser.parseString("{\"type\":\"ByteLevel\"}"))));
    assertThrows(
        ModelPackException.class,
        () -> tokenizer(16, root -> root.getAsJsonObject("model").addProperty("type", "Unigram")));
    assertThrows(
        ModelPackException.class,
        () ->
            tokenizer(16, root -> root.getAsJsonObject("model").addProperty("unk_token", "<unk>")));
    assertThrows(
        ModelPackException.class,
        () ->
            tokenizer(
                16,
                root ->
                    root.add(
                        "padding",
                        JsonParser.parseString(
                            "{\"strategy\":\"BatchLongest\",\"direction\":\"Left\",\"pad_id\":0}"))));
    assertThrows(
        ModelPackException.class,
        () ->
            tokenizer(
                16,
                root ->
                    root.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("x", -4)));
    assertThrows(dev.stepwise.engine.EngineException.class, () -> BASE.withMaxLength(1));
    ModelPackException tooMany =
        assertThrows(
            ModelPackException.class,
            () ->
                tokenizer(
                    2,
                    root ->
                        root.getAsJsonObject("post_processor")
                            .addProperty("single", "[BOS] [BOS] $A [EOS]")));
    assertTrue(tooMany.getMessage().contains("adds 3 special tokens"), tooMany.getMessage());
    assertThrows(ModelPackException.class, () -> BASE.withPadToken("<nope>"));
  }

  @Test
  void splitBehavioursFollowTheUpstreamExample() {
    // tokenizers normalizer.rs documents these results for "the-final--countdown" split on '-'.
    assertEquals(List.of("the", "final", "countdown"), split("Removed"));
    assertEquals(List.of("the", "-", "final", "-", "-", "countdown"), split("Isolated"));
    assertEquals(List.of("the-", "final-", "-", "countdown"), split("MergedWithPrevious"));
    assertEquals(List.of("the", "-final", "-", "-countdown"), split("MergedWithNext"));
    assertEquals(List.of("the", "-", "final", "--", "countdown"), split("Contiguous"));
  }

  private static List<String> split(String behavior) {
    String text = "the-final--countdown";
    JsonObject json = new JsonObject();
    json.addProperty("type", "Split");
    JsonObject pattern = new JsonObject();
    pattern.addProperty("String", "-");
    json.add("pattern", pattern);
    json.addProperty("behavior", behavior);
    json.addProperty("invert", false);
    List<String> out = new ArrayList<>();
    for (int[] span : HfPreTokenizers.parse(json, "test").split(text)) {
      out.add(text.substring(span[0], span[1]));
    }
    return out;
  }

  @Test
  void invertedRegexSplitKeepsTheMatches() {
    JsonObject json =
        JsonParser.parseString(
                "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"[a-z]+\"},\"behavior\":\"Removed\",\"invert\":true}")
            .getAsJsonObject();
    String text = "red, cat!";
    List<String> out = new ArrayList<>();
    for (int[] span : HfPreTokenizers.parse(json, "test").split(text)) {
      out.add(text.substring(span[0], span[1]));
    }
    assertEquals(List.of("red", "cat"), out);
  }
}
