package dev.stepwise.engine.pack;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Weights saved with Python's pickle ({@code .ckpt}, {@code .pt}, {@code .pth}, {@code .bin}) are
 * never opened: unpickling a file can run any code its author put in it. They are named and refused
 * in one sentence that says what to do instead.
 */
public final class PickleFiles {
  private PickleFiles() {}

  /** Whether {@code file}'s name says it is a pickle file. */
  public static boolean isPickle(Path file) {
    Path name = file.getFileName();
    String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin");
  }

  /** The sentence that refuses {@code file}. */
  public static String refusal(Path file) {
    return file.getFileName()
        + " is a pickle file, and opening one can run any code its author put in it, so Stepwise"
        + " does not open it; convert it to .safetensors (A1111, ComfyUI and diffusers have"
        + " converters) and open that.";
  }
}
