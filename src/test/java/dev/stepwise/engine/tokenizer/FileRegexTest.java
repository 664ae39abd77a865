package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.ModelPackException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Patterns from tokenizer files run with a bounded cost: a crafted one is refused with one sentence
 * instead of overflowing the stack or backtracking for minutes (issue 20).
 */
@Tag("hostile")
class FileRegexTest {
  /** Only a guard against a hang: a refusal takes milliseconds. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(60);

  /** A WordLevel tokenizer whose pre-tokenizer is a Removed Split on {@code regex}. */
  static WordLevelTokenizer splitOn(String regex) {
    JsonObject split = new JsonObject();
    split.addProperty("type", "Split");
    JsonObject pattern = new JsonObject();
    pattern.addProperty("Regex", regex);
    split.add("pattern", pattern);
    split.addProperty("behavior", "Removed");
    split.addProperty("invert", false);
    return WordLevelTokenizerTest.tokenizer(16, root -> root.add("pre_tokenizer", split));
  }

  private static ModelPackException refusal(WordLevelTokenizer t, String prompt) {
    return assertTimeoutPreemptively(
        HANG_GUARD, () -> assertThrows(ModelPackException.class, () -> t.encode(prompt)));
  }

  private static void assertSentence(String m) {
    assertTrue(m.startsWith("The tokenizer's "), m);
    assertTrue(m.endsWith("."), m);
    assertTrue(m.contains("test tokenizer.json"), m);
    assertTrue(m.contains("is too costly for this prompt"), m);
  }

  @Test
  void aDeeplyRecursingSplitPatternIsRefusedNotAStackOverflow() throws Exception {
    // java.util.regex recurses once per repetition of (?:a|b); on a thread with a small stack
    // (as the sampler's may be for a prompt long enough) 3,000 characters overflow it.
    String prompt = "ab".repeat(1500);
    WordLevelTokenizer t = splitOn("(?:a|b)*c");
    Throwable[] thrown = new Throwable[1];
    Thread small =
        new Thread(null, () -> thrown[0] = catching(t, prompt), "small-stack", 128 << 10);
    small.start();
    small.join(HANG_GUARD.toMillis());
    assertTrue(thrown[0] instanceof ModelPackException, String.valueOf(thrown[0]));
    String m = thrown[0].getMessage();
    assertSentence(m);
    assertTrue(m.contains("Split pattern \"(?:a|b)*c\""), m);
    assertTrue(m.contains("on 3000 characters its matching recursed too deeply"), m);
  }

  private static Throwable catching(WordLevelTokenizer t, String prompt) {
    try {
      t.encode(prompt);
      return null;
    } catch (Throwable e) {
      return e;
    }
  }

  @Test
  void anExponentialSplitPatternIsStoppedByTheStepBudget() {
    ModelPackException e = refusal(splitOn("(.*a){12}b"), "a".repeat(40));
    assertSentence(e.getMessage());
    assertTrue(e.getMessage().contains("more than 410,000 steps"), e.getMessage());
  }

  @Test
  void anExponentialReplacePatternIsStoppedToo() {
    WordLevelTokenizer t =
        WordLevelTokenizerTest.tokenizer(
            16,
            root ->
                root.add(
                    "normalizer",
                    JsonParser.parseString(
                        "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"(.*a){12}b\"},"
                            + "\"content\":\" \"}")));
    ModelPackException e = refusal(t, "a".repeat(40));
    assertSentence(e.getMessage());
    assertTrue(e.getMessage().startsWith("The tokenizer's Replace pattern"), e.getMessage());
  }

  @Test
  void aLongExpressionIsShortenedInTheMessage() {
    String regex = "(.*a){12}b" + "|x".repeat(100);
    ModelPackException e = refusal(splitOn(regex), "a".repeat(40));
    assertSentence(e.getMessage());
    assertTrue(e.getMessage().contains("…\""), e.getMessage());
  }

  @Test
  void ordinaryPatternsGiveTheSameWordsAsBefore() {
    // The same words as the Whitespace pre-tokenizer, through a file's Split pattern (a
    // quadratic one for runs of spaces: \s+(?!\S) looks ahead from every space).
    WordLevelTokenizer split = splitOn("\\s+(?!\\S)|\\s+");
    String prompt = "a red cat" + " ".repeat(3000) + "on the mat";
    assertArrayEquals(
        WordLevelTokenizerTest.tokenizer(16, root -> {}).encode(prompt).tokenIds(),
        split.encode(prompt).tokenIds());
    assertEquals(List.of("dog"), split.encode("a dog").unknownWords());
  }
}
