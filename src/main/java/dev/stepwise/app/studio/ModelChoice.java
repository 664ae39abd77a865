package dev.stepwise.app.studio;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One entry of the model chooser.
 *
 * @param label what the chooser shows: the folder's name, or the file's without {@code
 *     .safetensors}
 * @param folder the model: a diffusers pack folder or a single-file {@code .safetensors} checkpoint
 * @param builtIn whether this is the pack installed with the program
 * @param hash AUTOMATIC1111's short model hash when known (recipes from A1111 images name their
 *     model by it), or null
 */
public record ModelChoice(String label, Path folder, boolean builtIn, String hash) {
  /** An entry whose hash is not known. */
  public ModelChoice(String label, Path folder, boolean builtIn) {
    this(label, folder, builtIn, null);
  }

  /** Whether the model is a single-file checkpoint rather than a pack folder. */
  public boolean checkpoint() {
    return !builtIn && !Files.isDirectory(folder);
  }

  @Override
  public String toString() {
    return hash == null ? label : label + "  [" + hash + "]";
  }
}
