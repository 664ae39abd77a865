package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.service.PackFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pack's optional prompts.txt: read as untrusted text, never fatal. */
class PromptIdeasTest {
  @TempDir Path dir;

  @Test
  void linesAreTrimmedDeduplicatedAndKeptInOrder() throws Exception {
    Files.writeString(
        dir.resolve(PromptIdeas.FILE),
        "red heart, twemoji style\r\n\n  cat face, fluent flat style  \nred heart, twemoji style\n"
            + "x".repeat(PromptIdeas.MAX_LINE + 1)
            + "\nbell\u0007 with a control\nrocket");
    assertEquals(
        List.of("red heart, twemoji style", "cat face, fluent flat style", "rocket"),
        PromptIdeas.read(dir));
  }

  @Test
  void noFileMeansNoIdeas() {
    assertEquals(List.of(), PromptIdeas.read(dir));
    assertEquals(List.of(), PackFacts.read(TestPacks.tinySd()).promptIdeas());
  }

  @Test
  void anOversizedOrNonUtf8OrFolderPromptsFileGivesNoIdeas() throws Exception {
    Path file = dir.resolve(PromptIdeas.FILE);
    Files.write(file, new byte[] {'o', 'k', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
    assertEquals(List.of(), PromptIdeas.read(dir));
    try (var ch =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap("a\n".getBytes()), PromptIdeas.MAX_BYTES);
    }
    assertEquals(List.of(), PromptIdeas.read(dir));
    Files.delete(file);
    Files.createDirectory(file);
    assertEquals(List.of(), PromptIdeas.read(dir));
  }

  @Test
  void theBuiltInPackListsItsTrainingCaptions() {
    List<String> ideas = PackFacts.read(TestPacks.builtIn()).promptIdeas();
    assertTrue(ideas.size() > 1000, "got " + ideas.size());
    assertTrue(ideas.contains("red apple, twemoji style"), ideas.subList(0, 5).toString());
    assertTrue(ideas.stream().allMatch(i -> i.endsWith(" style")), "captions end with a style");
  }

  @Test
  void packFactsCarryTheIdeas(@TempDir Path copy) {
    Path pack = TestPacks.tinySdWithPrompts(copy.resolve("p"), "a red heart", "a blue cat");
    assertEquals(List.of("a red heart", "a blue cat"), PackFacts.read(pack).promptIdeas());
  }
}
