package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ModelPackException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folder loading: file choice, tokenizer_config.json / special_tokens_map.json, errors. */
class TokenizersTest {
  private static final int[] CAT = {49406, 320, 1125, 539, 320, 2368, 49407};

  @Test
  void diffusersFolderWithVocabAndMergesAndSd2PadToken(@TempDir Path dir) throws Exception {
    ClipBpeTokenizer clip = ClipMerges.tokenizer();
    ClipMerges.writeVocabJson(clip, dir.resolve("vocab.json"));
    Files.copy(ClipMerges.path(), dir.resolve("merges.txt"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"model_max_length\": 77, \"pad_token\": \"!\", \"do_lower_case\": true}");
    PromptTokenizer t = Tokenizers.load(dir, 77);
    assertInstanceOf(ClipBpeTokenizer.class, t);
    TokenizedPrompt p = t.encode("a photo of a cat");
    assertArrayEquals(CAT, p.tokenIds());
    assertEquals(0, p.ids()[76], "SD2.x pads with \"!\" = 0");
    assertEquals(77, t.maxLength());
  }

  @Test
  void specialTokensMapWinsAndHugeModelMaxLengthIsIgnored(@TempDir Path dir) throws Exception {
    ClipBpeTokenizer clip = ClipMerges.tokenizer();
    ClipMerges.writeVocabJson(clip, dir.resolve("vocab.json"));
    Files.copy(ClipMerges.path(), dir.resolve("merges.txt"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"model_max_length\": 1000000000000000019884624838656, \"pad_token\": \"!\"}");
    Files.writeString(
        dir.resolve("special_tokens_map.json"),
        "{\"pad_token\": {\"content\": \"<|endoftext|>\", \"lstrip\": false, \"normalized\": true,"
            + " \"rstrip\": false, \"single_word\": false}}");
    PromptTokenizer t = Tokenizers.load(dir, 77);
    assertEquals(77, t.maxLength());
    assertEquals(49407, t.encode("a cat").ids()[76]);
  }

  @Test
  void clipTokenizerJsonWithBothMergeLayouts(@TempDir Path dir) throws Exception {
    ClipBpeTokenizer clip = ClipMerges.tokenizer();
    List<String> lines = Files.readAllLines(ClipMerges.path(), StandardCharsets.UTF_8);
    for (boolean pairs : new boolean[] {false, true}) {
      JsonObject vocab = new JsonObject();
      for (int id = 0; id < clip.vocabularySize(); id++) {
        vocab.addProperty(clip.token(id), id);
      }
      JsonArray merges = new JsonArray();
      for (String line : lines.subList(1, lines.size())) {
        if (line.isEmpty()) {
          continue;
        }
        if (pairs) {
          JsonArray pair = new JsonArray();
          pair.add(line.substring(0, line.indexOf(' ')));
          pair.add(line.substring(line.indexOf(' ') + 1));
          merges.add(pair);
        } else {
          merges.add(line);
        }
      }
      JsonObject root =
          JsonParser.parseString(
                  "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
                      + "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\\\\s+\"},\"content\":\""
                      + " \"},{\"type\":\"Lowercase\"}]},"
                      + "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":["
                      + "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"x\"},\"behavior\":\"Removed\",\"invert\":true},"
                      + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]},"
                      + "\"post_processor\":{\"type\":\"RobertaProcessing\",\"sep\":[\"<|endoftext|>\",49407],"
                      + "\"cls\":[\"<|startoftext|>\",49406],\"trim_offsets\":false,\"add_prefix_space\":false},"
                      + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<|endoftext|>\","
                      + "\"continuing_subword_prefix\":\"\",\"end_of_word_suffix\":\"</w>\",\"fuse_unk\":false}}")
              .getAsJsonObject();
      if (pairs) {
        // Newer files may list the specials only in added_tokens.
        vocab.remove("<|startoftext|>");
        vocab.remove("<|endoftext|>");
        root.add(
            "added_tokens",
            JsonParser.parseString(
                "[{\"id\":49406,\"content\":\"<|startoftext|>\",\"special\":true},"
                    + "{\"id\":49407,\"content\":\"<|endoftext|>\",\"special\":true}]"));
      }
      root.getAsJsonObject("model").add("vocab", vocab);
      if (pairs) {
        root.add(
            "padding",
            JsonParser.parseString(
                "{\"strategy\": {\"Fixed\": 77}, \"direction\": \"Right\", \"pad_id\": 0,"
                    + " \"pad_type_id\": 0, \"pad_token\": \"!\"}"));
      }
      root.getAsJsonObject("model").add("merges", merges);
      Files.writeString(dir.resolve("tokenizer.json"), root.toString());
      PromptTokenizer t = Tokenizers.load(dir, 77);
      assertInstanceOf(ClipBpeTokenizer.class, t);
      assertArrayEquals(CAT, t.encode("a photo of a cat").tokenIds(), "pairs=" + pairs);
      assertEquals(pairs ? 0 : 49407, t.encode("").ids()[76], "padding.pad_id when set");
      if (pairs) {
        root.add("padding", JsonParser.parseString("{\"pad_id\": 60000, \"pad_token\": \"?\"}"));
        Files.writeString(dir.resolve("tokenizer.json"), root.toString());
        ModelPackException e =
            assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
        assertTrue(e.getMessage().contains("60000"), e.getMessage());
      }
    }
  }

  @Test
  void wordLevelFolderReadsConfigLimitAndPadToken(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), WordLevelTokenizerTest.JSON);
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        "{\"model_max_length\": 8, \"pad_token\": {\"__type\": \"AddedToken\", \"content\":"
            + " \"[PAD]\"}}");
    PromptTokenizer t = Tokenizers.load(dir, 77);
    assertInstanceOf(WordLevelTokenizer.class, t);
    assertEquals(8, t.maxLength());
    TokenizedPrompt p = t.encode("a red cat on the mat, a red cat");
    assertEquals(8, p.ids().length);
    assertTrue(p.truncated());
    assertArrayEquals(new int[] {2, 4, 5, 6, 8, 9, 10, 3}, p.ids());
    assertTrue(t.vocabularyWords().contains("cat"));
  }

  @Test
  void missingFilesNameWhatIsNeeded(@TempDir Path dir) throws Exception {
    ModelPackException e = assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
    assertTrue(e.getMessage().contains("merges.txt"), e.getMessage());
    Files.writeString(dir.resolve("vocab.json"), "{}");
    assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
    assertThrows(ModelPackException.class, () -> Tokenizers.load(dir.resolve("absent"), 77));
    assertThrows(EngineException.class, () -> Tokenizers.load(dir, 0));
  }

  @Test
  void badFilesAreRefusedBeforeUse(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("tokenizer.json");
    Files.writeString(json, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
    ModelPackException unigram =
        assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
    assertTrue(unigram.getMessage().contains("Unigram"), unigram.getMessage());

    Files.writeString(json, "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0}");
    ModelPackException broken =
        assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
    assertTrue(broken.getMessage().contains("not valid JSON"), broken.getMessage());

    Files.write(json, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
    assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));

    try (RandomAccessFile big = new RandomAccessFile(json.toFile(), "rw")) {
      big.setLength(TokenizerFiles.MAX_FILE_BYTES + 1); // sparse: nothing is written
    }
    ModelPackException tooBig =
        assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
    assertTrue(tooBig.getMessage().contains("at most 67108864 bytes"), tooBig.getMessage());

    Files.writeString(json, WordLevelTokenizerTest.JSON);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": -3}");
    assertThrows(ModelPackException.class, () -> Tokenizers.load(dir, 77));
  }
}
