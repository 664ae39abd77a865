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
    return isPickleName(name == null ? "" : name.toString());
  }

  /** Whether a file name ends in a pickle file's extension, in any case. */
  public static boolean isPickleName(String fileName) {
    String n = fileName.toLowerCase(Locale.ROOT);
    return n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin");
  }

  /** The sentence that refuses {@code file}, named by its file name. */
  public static String refusal(Path file) {
    return refusal(String.valueOf(file.getFileName()));
  }

  /**
   * The sentence that refuses a pickle file named {@code what} ("old.ckpt", "preview decoder
   * /x/a.pth"): why (loading it can run code) and what to do (convert it to safetensors).
   */
  public static String refusal(String what) {
    return what
        + " is a pickle file, which can run code when it is loaded, so Stepwise never opens it;"
        + " convert it to safetensors (A1111, ComfyUI and diffusers have converters) and open the"
        + " .safetensors file instead.";
  }
}
