package dev.stepwise.app.studio;

import java.nio.file.Path;

/**
 * One entry of the model chooser.
 *
 * @param label what the chooser shows
 * @param folder the pack folder
 * @param builtIn whether this is the pack installed with the program
 */
public record ModelChoice(String label, Path folder, boolean builtIn) {
  @Override
  public String toString() {
    return label;
  }
}
