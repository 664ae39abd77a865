package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ModelPackException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CLIP BPE against the real merges in the shared folder (the vectors are from its README). */
class ClipBpeTokenizerTest {
  private static ClipBpeTokenizer clip;

  @BeforeAll
  static void load() {
    clip = ClipMerges.tokenizer();
  }

  @Test
  void knownVectorsFromTheReference() {
    assertArrayEquals(
        new int[] {49406, 320, 1125, 539, 320, 2368, 49407},
        clip.encode("a photo of a cat").tokenIds());
    assertArrayEquals(
        new int[] {49406, 3306, 267, 1002, 256, 49407}, clip.encode("Hello, world!").tokenIds());
  }

  @Test
  void padsTo77WithEndOfText() {
    TokenizedPrompt p = clip.encode("a photo of a cat");
    int[] ids = p.ids();
    assertEquals(77, ids.length);
    assertEquals(7, p.length());
    assertFalse(p.truncated());
    assertTrue(p.unknownWords().isEmpty());
    assertEquals("a photo of a cat", p.keptText());
    for (int i = 7; i < 77; i++) {
      assertEquals(49407, ids[i], "pad at " + i);
    }
  }

  @Test
  void emptyPromptIsStartEndAndPadding() {
    for (String empty : List.of("", "   \t\n ")) {
      TokenizedPrompt p = clip.encode(empty);
      assertEquals(2, p.length());
      assertArrayEquals(new int[] {49406, 49407}, p.tokenIds());
      assertEquals(49407, p.ids()[76]);
      assertEquals("", p.keptText());
      assertFalse(p.truncated());
    }
  }

  @Test
  void truncatesLongPromptToWindowWithEndOfTextLast() {
    String prompt = String.join(" ", java.util.Collections.nCopies(40, "a photo of a cat"));
    assertEquals(200, prompt.split(" ").length);
    TokenizedPrompt p = clip.encode(prompt);
    int[] ids = p.ids();
    assertTrue(p.truncated());
    assertEquals(77, p.length());
    assertEquals(49406, ids[0]);
    assertEquals(49407, ids[76]);
    // Each word is one token here, so exactly 75 words survive.
    assertEquals(75, p.keptText().split(" ").length);
    assertTrue(prompt.startsWith(p.keptText()));
    int[] expectedCycle = {320, 1125, 539, 320, 2368};
    for (int i = 1; i <= 75; i++) {
      assertEquals(expectedCycle[(i - 1) % 5], ids[i], "content id " + i);
    }
  }

  @Test
  void exactly75ContentTokensFitAnd76DoNot() {
    String fits = String.join(" ", java.util.Collections.nCopies(75, "cat"));
    TokenizedPrompt full = clip.encode(fits);
    assertFalse(full.truncated());
    assertEquals(77, full.length());
    assertEquals(49407, full.ids()[76]);
    TokenizedPrompt over = clip.encode(fits + " cat");
    assertTrue(over.truncated());
    assertArrayEquals(full.ids(), over.ids());
    assertEquals(fits, over.keptText());
  }

  @Test
  void truncationInsideAWordKeepsItsFirstTokensButNotItsText() {
    String fill = String.join(" ", java.util.Collections.nCopies(74, "cat"));
    // A run of z is several BPE tokens; only its first fits after 74 cats.
    List<String> longWord = clip.tokenStrings("zzzzzzzzzzzz");
    assertTrue(longWord.size() >= 2, longWord.toString());
    TokenizedPrompt p = clip.encode(fill + " zzzzzzzzzzzz");
    assertTrue(p.truncated());
    assertEquals(clip.id(longWord.get(0)), p.ids()[75]);
    assertEquals(49407, p.ids()[76]);
    assertEquals(fill, p.keptText());
  }

  @Test
  void digitsAreSplitOneAtATime() {
    assertEquals(List.of("2</w>", "0</w>", "2</w>", "4</w>"), clip.tokenStrings("2024"));
    assertEquals(List.of("a</w>", "1</w>", "b</w>"), clip.tokenStrings("a1b"));
    int[] ids = clip.encode("2024").tokenIds();
    assertArrayEquals(
        new int[] {
          49406, clip.id("2</w>"), clip.id("0</w>"), clip.id("2</w>"), clip.id("4</w>"), 49407
        },
        ids);
  }

  @Test
  void nonAsciiRoundTripsThroughBytes() {
    for (String word : List.of("café", "🐱", "猫", "naïve", "ß", "東京", "👩‍🚀")) {
      List<String> tokens = clip.tokenStrings(word);
      String joined = String.join("", tokens);
      assertTrue(joined.endsWith("</w>"), joined);
      // Every token is a vocabulary entry, and their concatenation decodes to the word's bytes.
      String bytes = joined.replace("</w>", "");
      assertEquals(word, ByteUnicode.decode(bytes), tokens.toString());
      for (String t : tokens) {
        assertTrue(clip.id(t) >= 0, t);
      }
      assertTrue(clip.encode(word).unknownWords().isEmpty());
    }
    // "é" is UTF-8 C3 A9, which the byte table writes as "Ã©".
    assertEquals("Ã©", ByteUnicode.encode("é".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void normalisesCaseWhitespaceAndComposition() {
    int[] plain = clip.encode("a photo of a cafe\u0301").ids();
    assertArrayEquals(plain, clip.encode("  A\tPHOTO \n of   a CAFÉ ").ids());
    assertArrayEquals(plain, clip.encode("a photo of a café").ids());
    assertEquals("A PHOTO of a CAFÉ", clip.encode("  A\tPHOTO \n of   a CAFÉ ").keptText());
  }

  @Test
  void specialTokenTextMapsToItsId() {
    assertArrayEquals(
        new int[] {49406, 320, 49407, 49407}, clip.encode("a <|endoftext|>").tokenIds());
  }

  @Test
  void derivedVocabularyHasClipLayout() {
    assertEquals(49408, clip.vocabularySize());
    assertEquals("!", clip.token(0));
    assertEquals("a", clip.token(64));
    assertEquals("a</w>", clip.token(320));
    assertEquals("<|startoftext|>", clip.token(49406));
    assertEquals("<|endoftext|>", clip.token(49407));
    assertEquals(49406, clip.bosId());
    assertEquals(49407, clip.eosId());
    assertEquals(49407, clip.padId());
  }

  @Test
  void handVerifiedIdsDecodeBackToTheWords() {
    // Each of these words is a whole vocabulary entry, so BPE must end on exactly that entry.
    for (String word : List.of("photo", "cat", "portrait", "landscape", "painting", "astronaut")) {
      int id = clip.id(word + "</w>");
      assertTrue(id > 0, word);
      assertArrayEquals(new int[] {49406, id, 49407}, clip.encode(word).tokenIds(), word);
    }
    // "of" -> 539 and "world" -> 1002 from the reference vectors decode through the vocabulary.
    assertEquals("of</w>", clip.token(539));
    assertEquals("world</w>", clip.token(1002));
    assertEquals("hello</w>", clip.token(3306));
  }

  @Test
  void contractionsSplitAndIdsFollowFromMergeLines() throws Exception {
    // Oracle independent of the tokenizer's vocabulary: a merge on 0-based line L of merges.txt
    // (line 0 is the #version header) has rank L - 1 and its joined symbol has id 512 + L - 1.
    List<String> lines =
        Files.readAllLines(ClipMerges.path(), java.nio.charset.StandardCharsets.UTF_8);
    int the = 511 + lines.indexOf("th e</w>");
    int cat = 511 + lines.indexOf("c at</w>");
    int s = 511 + lines.indexOf("' s</w>");
    int toy = 511 + lines.indexOf("to y</w>");
    int don = 511 + lines.indexOf("d on</w>");
    int t = 511 + lines.indexOf("' t</w>");
    assertEquals(List.of(518, 2368, 568, 5988, 847, 713), List.of(the, cat, s, toy, don, t));
    assertArrayEquals(
        new int[] {49406, the, cat, s, toy, 49407}, clip.encode("The cat's toy").tokenIds());
    assertArrayEquals(new int[] {49406, don, t, 49407}, clip.encode("DON'T").tokenIds());
  }

  @Test
  void padTokenCanBeChangedForSd2() {
    ClipBpeTokenizer sd2 = clip.withPadToken("!");
    TokenizedPrompt p = sd2.encode("a cat");
    assertEquals(0, p.ids()[76]);
    assertArrayEquals(new int[] {49406, 320, 2368, 49407}, p.tokenIds());
    ModelPackException e = assertThrows(ModelPackException.class, () -> clip.withPadToken("<pad>"));
    assertTrue(e.getMessage().contains("<pad>"), e.getMessage());
  }

  @Test
  void vocabularyWordsAreLettersWithoutSuffix() {
    var words = clip.vocabularyWords();
    assertTrue(words.contains("photo"));
    assertTrue(words.contains("cat"));
    assertTrue(words.stream().anyMatch(w -> w.chars().anyMatch(c -> c > 127)), "decoded non-ASCII");
    assertFalse(words.contains("photo</w>"));
    assertFalse(words.contains("phot"), "a word-internal piece has no </w>");
    assertTrue(words.size() > 20_000, "size " + words.size());
    assertTrue(words.stream().allMatch(w -> w.codePoints().allMatch(Character::isLetter)));
    assertFalse(words.contains("A"), "upper-case byte symbols are never produced");
    assertTrue(words.contains("a"));
    assertThrows(UnsupportedOperationException.class, () -> words.add("x"));
  }

  @Test
  void nullPromptAndBadWindowAreRefused() {
    assertThrows(EngineException.class, () -> clip.encode(null));
    java.nio.file.Path merges = ClipMerges.path(); // skips here when the shared file is absent
    EngineException e =
        assertThrows(EngineException.class, () -> ClipBpeTokenizer.fromMerges(merges, 1));
    assertTrue(e.getMessage().contains("1"), e.getMessage());
  }

  @Test
  void vocabAndMergesFilesGiveTheSameIds(@TempDir Path dir) throws Exception {
    Path vocab = ClipMerges.writeVocabJson(clip, dir.resolve("vocab.json"));
    ClipBpeTokenizer fromFiles = ClipBpeTokenizer.fromVocabAndMerges(vocab, ClipMerges.path(), 77);
    for (String prompt : List.of("a photo of a cat", "Hello, world!", "东京 2024 🐱 naïve café")) {
      assertArrayEquals(clip.encode(prompt).ids(), fromFiles.encode(prompt).ids(), prompt);
    }
  }

  @Test
  void malformedMergesAreRefusedWithTheLine(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("merges.txt");
    Files.writeString(bad, "#version: 0.2\ni n\nthree parts here\n");
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> ClipBpeTokenizer.fromMerges(bad, 77));
    assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    Path missing = dir.resolve("none.txt");
    assertThrows(ModelPackException.class, () -> ClipBpeTokenizer.fromMerges(missing, 77));
  }

  @Test
  void leftmostPairMergesFirstOnEqualRanks(@TempDir Path dir) throws Exception {
    Path merges = dir.resolve("merges.txt");
    Files.writeString(merges, "#version: 0.2\na a\naa a</w>\n");
    ClipBpeTokenizer tiny = ClipBpeTokenizer.fromMerges(merges, 16);
    assertEquals(512 + 2 + 2, tiny.vocabularySize());
    // a a a</w> -> aa a</w> (rank 0) -> aaa</w> (rank 1).
    assertEquals(List.of("aaa</w>"), tiny.tokenStrings("aaa"));
    // a a a a</w>: leftmost (a,a) first -> aa a a</w>; (a, a</w>) has no merge. Merging the
    // rightmost (a,a) first would give a aaa</w> instead.
    assertEquals(List.of("aa", "a", "a</w>"), tiny.tokenStrings("aaaa"));
    // a a a a a</w>: both non-overlapping (a,a) pairs merge, then (aa, a</w>).
    assertEquals(List.of("aa", "aaa</w>"), tiny.tokenStrings("aaaaa"));
  }

  @Test
  void encodingIsStableAcrossCalls() {
    List<int[]> runs = new ArrayList<>();
    IntStream.range(0, 3)
        .forEach(i -> runs.add(clip.encode("a photo of a cat, 8k, trending").ids()));
    assertTrue(Arrays.equals(runs.get(0), runs.get(1)) && Arrays.equals(runs.get(1), runs.get(2)));
  }
}
