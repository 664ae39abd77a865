package dev.stepwise.cli;

import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.recipe.Sampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Completion candidates of options with a fixed set of values (picocli's {@code
 * completionCandidates}): they go into the {@code stepwise completion} script and into the help.
 */
final class Candidates {
  private Candidates() {}

  /** {@code --sampler}: the samplers' CLI names. */
  static final class Samplers implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Sampler.cliNames().iterator();
    }
  }

  /** {@code --progress}: the four modes. */
  static final class ProgressModes implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("bar", "plain", "json", "none").iterator();
    }
  }

  /** {@code completion}: the shells. */
  static final class Shells implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("bash", "zsh").iterator();
    }
  }

  /**
   * {@code --model}: the checkpoints (single files and pack folders) Stepwise can open in the
   * default models folder, by path, as they are now. The completion script asks for them at each
   * completion ({@code stepwise completion --list-models}), so models added later are offered too.
   */
  static final class Models {
    private Models() {}

    static List<String> paths() {
      List<String> paths = new ArrayList<>();
      try {
        for (ModelsFolder.Entry e : ModelsFolder.at(ModelsFolder.defaultRoot()).checkpoints()) {
          if (e.refusal() == null) {
            paths.add(e.path().toString());
          }
        }
      } catch (RuntimeException e) {
        Logging.log().info("the models folder could not be listed for completion", e);
      }
      return paths;
    }
  }
}
