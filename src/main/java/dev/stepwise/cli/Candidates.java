package dev.stepwise.cli;

import dev.stepwise.recipe.Sampler;
import java.util.Iterator;
import java.util.List;

/** Values the completion script offers (picocli's {@code completionCandidates}). */
final class Candidates {
  private Candidates() {}

  static final class Samplers implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Sampler.cliNames().iterator();
    }
  }

  static final class ProgressModes implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("bar", "plain", "json", "none").iterator();
    }
  }

  static final class Spacings implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("leading", "trailing", "linspace").iterator();
    }
  }

  static final class Shells implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("bash", "zsh").iterator();
    }
  }
}
