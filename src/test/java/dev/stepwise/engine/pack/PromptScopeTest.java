package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whether a prompt asks the built-in model for something one of its captions names. */
class PromptScopeTest {
  private static final PromptScope BUILT_IN = PromptScope.of(PromptIdeas.read(TestPacks.builtIn()));

  @Test
  void captionsAndPartsOfThemAreInScope() {
    for (String p :
        List.of(
            "cat face, fluent flat style",
            "cat face",
            "red apple",
            "Thumbs Up",
            "(red heart:1.2), twemoji style",
            "woman police officer, medium-dark skin tone",
            "zzzz qqqq")) { // no caption word: the unknown-word warning speaks instead
      assertEquals("", BUILT_IN.note(p), p);
    }
  }

  @Test
  void aSceneOfKnownWordsIsNamedWithTheClosestCaption() {
    String note = BUILT_IN.note("a cat wearing a hat");
    assertTrue(note.startsWith("This model draws single emoji"), note);
    assertTrue(note.contains("a, cat, wearing, hat"), note);
    assertTrue(note.matches(".*closest: \"[^\"]*(cat|hat)[^\"]*\".*"), note);
  }

  @Test
  void theClosestCaptionSharesMostWordsAndIsTheShortestOnATie() {
    PromptScope s = PromptScope.of(List.of("red apple", "green apple, big", "green apple", "pear"));
    assertEquals("", s.note("green apple"));
    assertEquals(
        "This model draws single emoji as its captions name them; none has all of green, pear"
            + " (closest: \"pear\").",
        s.note("green pear"));
    assertEquals("", PromptScope.of(List.of()).note("anything at all"), "no captions: no note");
  }
}
