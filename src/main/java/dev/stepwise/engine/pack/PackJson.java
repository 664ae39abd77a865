package dev.stepwise.engine.pack;

import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a model pack's small JSON files with a size bound, strictly, naming the file on error. */
final class PackJson {
  /** The largest config file accepted; real configs are a few KiB. */
  static final long MAX_CONFIG_BYTES = 1L << 20;

  private PackJson() {}

  /**
   * Reads {@code root/relative} as a JSON object. {@code pack} is the message prefix, e.g. {@code
   * "model pack /m/sd15"}.
   */
  static JsonObject readObject(Path root, String relative, String pack) {
    Path file = root.resolve(relative);
    if (!Files.exists(file)) {
      throw new ModelPackException(pack + ": " + relative + " is missing.");
    }
    if (!Files.isRegularFile(file)) {
      throw new ModelPackException(pack + ": " + relative + " is not a regular file.");
    }
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_CONFIG_BYTES) {
        throw new ModelPackException(
            pack
                + ": "
                + relative
                + " is "
                + size
                + " bytes; config files may be at most "
                + MAX_CONFIG_BYTES
                + " bytes.");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelPackException(
          pack + ": " + relative + " cannot be read (" + e.getMessage() + ").", e);
    }
    return StrictJson.parseObject(bytes, pack + ": " + relative);
  }
}
