package dev.stepwise.engine.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.tokenizer.PromptTokenizer;
import dev.stepwise.engine.tokenizer.Tokenizers;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** Weights to tokens and A1111's 75-token chunks (sd_hijack_clip.py tokenize_line). */
class PromptChunksTest {
  private static final PromptTokenizer CLIP_SIZED = // WordLevel, a 77-id window
      Tokenizers.load(TestPacks.tinySd2().resolve("tokenizer"), 77);
  private static final PromptTokenizer SHORT = // WordLevel, a 16-id window
      Tokenizers.load(TestPacks.tinySd().resolve("tokenizer"), 16);

  private static PromptChunks chunks(PromptTokenizer tok, String prompt) {
    return PromptChunks.of(tok, PromptAttention.parse(prompt));
  }

  @Test
  void eachRunsWeightGoesToItsTokensAndSpecialsKeepWeightOne() {
    PromptChunks c = chunks(SHORT, "a (red heart:1.3) [emoji]");
    assertEquals(1, c.windows().size());
    int[] plain = SHORT.encode("a red heart emoji").ids();
    assertArrayEquals(plain, c.windows().get(0), "the same ids as the plain prompt");
    float[] w = c.weights().get(0);
    assertEquals(16, w.length);
    assertArrayEquals(
        new float[] {1f, 1f, 1.3f, 1.3f, (float) (1 / 1.1), 1f, 1f}, Arrays.copyOf(w, 7));
    for (int i = 7; i < 16; i++) {
      assertEquals(1f, w[i], "padding position " + i);
    }
    assertFalse(c.unweighted());
    assertTrue(chunks(SHORT, "a (red:1.0) heart").unweighted());
  }

  @Test
  void breakGivesTwoPaddedChunksOnAClipSizedWindow() {
    assertTrue(PromptChunks.chunked(CLIP_SIZED));
    PromptChunks c = chunks(CLIP_SIZED, "a red heart BREAK (green tree)");
    assertEquals(2, c.windows().size());
    assertArrayEquals(CLIP_SIZED.encode("a red heart").ids(), c.windows().get(0));
    assertArrayEquals(CLIP_SIZED.encode("green tree").ids(), c.windows().get(1));
    assertEquals(1.1f, c.weights().get(1)[1]);
    assertEquals(0, c.truncatedTokens());
    // A leading BREAK closes an empty first chunk; a trailing one adds nothing.
    assertEquals(2, chunks(CLIP_SIZED, "BREAK a").windows().size());
    assertEquals(1, chunks(CLIP_SIZED, "a BREAK").windows().size());
    assertArrayEquals(CLIP_SIZED.encode("").ids(), chunks(CLIP_SIZED, "BREAK a").windows().get(0));
  }

  @Test
  void aLongPromptIsSplitIntoChunksOf75() {
    String prompt = String.join(" ", Collections.nCopies(160, "red"));
    PromptChunks c = chunks(CLIP_SIZED, prompt);
    assertEquals(3, c.windows().size(), "75 + 75 + 10 tokens");
    assertArrayEquals(
        CLIP_SIZED.encode(String.join(" ", Collections.nCopies(10, "red"))).ids(),
        c.windows().get(2));
    assertEquals(0, c.truncatedTokens());
  }

  @Test
  void aShortWindowCutsTheWeightedTokensAndIgnoresBreak() {
    assertFalse(PromptChunks.chunked(SHORT));
    PromptChunks c = chunks(SHORT, "(a red:1.2) BREAK " + "blue ".repeat(14) + "cat");
    assertEquals(1, c.windows().size());
    assertEquals(1, c.breaksIgnored());
    assertEquals(3, c.truncatedTokens(), "2 + 15 content tokens in a window of 14");
    assertEquals(
        "blue blue blue blue blue blue blue blue blue blue blue blue blue blue cat",
        c.firstCutRun());
    assertEquals(1.2f, c.weights().get(0)[1]);
  }

  @Test
  void unknownWordsLeaveTheSyntaxOut() {
    assertEquals(
        java.util.List.of("zyzzyva"),
        PromptChunks.unknownWords(SHORT, "a (zyzzyva:1.3) [heart] BREAK (red)"));
    assertTrue(SHORT.encode("a (zyzzyva:1.3)").unknownWords().contains("("), "raw text differs");
    org.junit.jupiter.api.Assertions.assertDoesNotThrow(
        () -> PromptChunks.unknownWords(SHORT, "(a:1.2.3)"), "a refused weight reads as text");
  }
}
