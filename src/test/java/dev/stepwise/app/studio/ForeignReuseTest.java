package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.stepwise.gallery.ImageParameters;
import dev.stepwise.gallery.Recipe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** "Reuse" fills the studio from the recipe of every image in the corpus of other tools' files. */
class ForeignReuseTest {
  static Stream<Path> files() throws IOException {
    return dev.stepwise.metadata.MetadataCorpus.images().stream()
        .map(dev.stepwise.metadata.MetadataCorpus::file);
  }

  @ParameterizedTest
  @MethodSource("files")
  void reuseTakesEveryReadableField(Path file) {
    StudioViewModel vm = new StudioViewModel(new UiQueue(), Runnable::run, new Random(1));
    Recipe r = ImageParameters.read(file).recipe();
    RecipeControls.apply(vm, r, true);
    ControlsViewModel c = vm.controls();
    assertEquals(r.prompt(), c.promptProperty().get());
    assertEquals(r.negativePrompt(), c.negativePromptProperty().get());
    assertEquals(r.steps(), c.stepsProperty().get());
    assertEquals(r.sampler(), c.samplerProperty().get().cliName());
    assertEquals(r.width(), c.widthProperty().get());
    assertEquals(r.height(), c.heightProperty().get());
    assertEquals(Math.min(30, r.guidance()), c.guidanceProperty().get());
    assertEquals(Long.toString(r.seed()), vm.seeds().seedTextProperty().get());
  }
}
