package dev.stepwise.engine.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.ModelLocator;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gzipped prompt list the built-in pack ships: read like the plain one, bombs refused. */
class PromptIdeasGzipTest {
  @TempDir Path dir;

  private void gzip(Path file, byte[] bytes) throws Exception {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(bytes);
    }
  }

  @Test
  void aGzippedListReadsLikeThePlainOneAndThePlainOneWins() throws Exception {
    gzip(
        dir.resolve(PromptIdeas.GZ_FILE), "red heart\ncat face\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("red heart", "cat face"), PromptIdeas.read(dir));
    Files.writeString(dir.resolve(PromptIdeas.FILE), "plain\n");
    assertEquals(List.of("plain"), PromptIdeas.read(dir));
  }

  @Test
  void aZipBombOrADamagedFileGivesNoIdeas() throws Exception {
    gzip(dir.resolve(PromptIdeas.GZ_FILE), new byte[(int) PromptIdeas.MAX_BYTES + 10]);
    assertEquals(List.of(), PromptIdeas.read(dir));
    Files.write(dir.resolve(PromptIdeas.GZ_FILE), new byte[] {31, -117, 8, 0, 1, 2});
    assertEquals(List.of(), PromptIdeas.read(dir));
  }

  @Test
  void theBuiltInPackOffersItsTrainingCaptions() {
    List<String> ideas = PromptIdeas.read(ModelLocator.builtIn());
    assertEquals(7456, ideas.size());
    assertTrue(ideas.contains("red heart, fluent flat style"), ideas.get(0));
  }
}
