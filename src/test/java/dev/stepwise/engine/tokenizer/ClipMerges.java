package dev.stepwise.engine.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CLIP's tokenizer for tests: the bundled vocabulary (the same merges as the shared merges.txt, as
 * {@link BundledClipVocabularyTest} checks by hash), and the shared merges file itself for the
 * tests that read it (those skip when the shared folder is absent).
 */
final class ClipMerges {
  private static ClipBpeTokenizer shared;

  private ClipMerges() {}

  /** The 77-token tokenizer built from the bundled merges, loaded once per test JVM. */
  static synchronized ClipBpeTokenizer tokenizer() {
    if (shared == null) {
      shared = ClipBpeTokenizer.bundled(77);
    }
    return shared;
  }

  static Path path() {
    String shared = System.getProperty("stepwise.shared.dir");
    assumeTrue(shared != null, "stepwise.shared.dir is not set");
    Path merges = Path.of(shared, "data", "clip", "merges.txt");
    assumeTrue(Files.isRegularFile(merges), "no CLIP merges at " + merges);
    return merges;
  }

  /** Writes the tokenizer's vocabulary as a vocab.json (token -> id). */
  static Path writeVocabJson(ClipBpeTokenizer clip, Path file) throws IOException {
    JsonObject vocab = new JsonObject();
    for (int id = 0; id < clip.vocabularySize(); id++) {
      vocab.addProperty(clip.token(id), id);
    }
    Files.writeString(file, vocab.toString());
    return file;
  }
}
