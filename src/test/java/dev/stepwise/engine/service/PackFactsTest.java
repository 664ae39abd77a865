package dev.stepwise.engine.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.TestPacks;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackFactsTest {

  @Test
  void readsTheTinyPackWithoutLoadingNetworks() {
    PackFacts f = PackFacts.read(TestPacks.tinySd());
    assertEquals("tiny-sd", f.name());
    assertEquals(4, f.sizeStep());
    assertEquals(8 * 4, f.nativeSize());
    assertTrue(f.tokenizer().vocabularyWords().contains("heart"));
    assertFalse(f.tokenizer().vocabularyWords().contains("zebra"));
    assertEquals(List.of("zebra"), f.tokenizer().encode("a red zebra").unknownWords());
    assertTrue(f.scheduler().numTrainTimesteps() > 0);
  }

  @Test
  void refusesAFolderThatIsNoPack(@TempDir Path dir) {
    ModelPackException e = assertThrows(ModelPackException.class, () -> PackFacts.read(dir));
    assertTrue(e.getMessage().contains("model_index.json"), e.getMessage());
  }

  @Test
  void aCraftedSplitPatternIsReadButRefusesACostlyPromptInOneSentence(@TempDir Path dir) {
    PackFacts f = PackFacts.read(TestPacks.tinySdWithSplit(dir, TestPacks.EXPONENTIAL_SPLIT));
    assertTrue(f.tokenizer().vocabularyWords().contains("heart"), "no regex runs to list words");
    ModelPackException e =
        assertThrows(
            ModelPackException.class, () -> f.tokenizer().encode("a".repeat(40)).unknownWords());
    assertTrue(e.getMessage().startsWith("The tokenizer's Split pattern"), e.getMessage());
    assertTrue(e.getMessage().endsWith("."), e.getMessage());
  }

  @Test
  void aPatternTooDeepForTheRegexCompilerIsRefusedWithAShortSentence(@TempDir Path dir) {
    // java.util.regex compiles recursively; 100,000 nested groups overflow its stack, which it
    // reports as a PatternSyntaxException.
    Path pack = TestPacks.tinySdWithSplit(dir, "(".repeat(100_000) + "a" + ")".repeat(100_000));
    ModelPackException e = assertThrows(ModelPackException.class, () -> PackFacts.read(pack));
    String m = e.getMessage();
    assertTrue(m.startsWith("The regex \"((("), m);
    assertTrue(m.contains("is not valid java.util.regex syntax"), m);
    assertTrue(m.endsWith(")."), m);
    assertTrue(m.length() < 1000, "the message quotes only part of the pattern: " + m.length());
  }
}
