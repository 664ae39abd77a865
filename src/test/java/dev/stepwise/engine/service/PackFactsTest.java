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
}
