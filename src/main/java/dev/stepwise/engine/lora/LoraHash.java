package dev.stepwise.engine.lora;

import dev.stepwise.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The short hash A1111 writes for a LoRA in "Lora hashes": the first 12 hex digits of the file's
 * {@code sshs_model_hash} metadata when it has one, else of the "addnet" hash, the SHA-256 of the
 * file after its 8-byte length and JSON header (kohya-ss sd-scripts' hash, A1111 modules/hashes.py
 * addnet_hash_safetensors; extensions-builtin/Lora/network.py NetworkOnDisk.__init__ and set_hash,
 * shorthash = hash[0:12]). Remembered by path, size and modification time for the JVM's life.
 */
public final class LoraHash {
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private LoraHash() {}

  /** The 12-digit short hash of the LoRA at {@code file} with metadata {@code metadata}. */
  public static String shortHash(Path file, Map<String, String> metadata) {
    String given = metadata.get("sshs_model_hash");
    if (given != null && !given.isBlank()) {
      return given.substring(0, Math.min(12, given.length()));
    }
    return addnet(file).substring(0, 12);
  }

  /** The full addnet hash (64 hex digits) of the safetensors file at {@code file}. */
  public static String addnet(Path file) {
    String stamp;
    try {
      stamp =
          file.toAbsolutePath()
              + "|"
              + Files.size(file)
              + "|"
              + Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      throw new EngineException("The LoRA file " + file + " could not be read (" + e + ").", e);
    }
    String known = CACHE.get(stamp);
    if (known != null) {
      return known;
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] len = in.readNBytes(8);
      if (len.length != 8) {
        throw new EngineException("The LoRA file " + file + " is shorter than a header.");
      }
      long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n < 0 || n > Files.size(file) - 8) {
        throw new EngineException("The LoRA file " + file + " has a header longer than itself.");
      }
      in.skipNBytes(n);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
        sha.update(buf, 0, r);
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      CACHE.put(stamp, hex);
      return hex;
    } catch (IOException e) {
      throw new EngineException("The LoRA file " + file + " could not be read (" + e + ").", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
