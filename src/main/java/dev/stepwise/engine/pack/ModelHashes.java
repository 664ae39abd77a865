package dev.stepwise.engine.pack;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.files.AtomicWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AUTOMATIC1111's short "Model hash" of a model file (its AutoV2 hash: the first 10 hex digits of
 * the SHA-256 of the whole file, A1111's {@code modules/sd_models.py}, {@code
 * CheckpointInfo.calculate_shorthash}), remembered in a small cache file by path, size and
 * modification time, so a folder of multi-gigabyte checkpoints is hashed once, not at every
 * listing. A pack folder's hash is its UNet weights' hash ({@link ModelPack#unetHash()}).
 *
 * <p>The cache is advisory: a missing, damaged or foreign cache file is ignored and rewritten; it
 * keeps at most {@link #MAX_ENTRIES} entries, the most recent.
 */
public final class ModelHashes {
  /** The most files the cache remembers. */
  public static final int MAX_ENTRIES = 2000;

  private static final Gson GSON = new Gson();

  private final Path cacheFile;
  private final Map<String, JsonObject> entries = new LinkedHashMap<>();
  private boolean loaded;

  /** A hash cache kept in {@code cacheFile} (its folder is created on the first save). */
  public ModelHashes(Path cacheFile) {
    this.cacheFile = cacheFile;
  }

  /**
   * The short hash of {@code file}: the whole file's for a single file, the UNet weights' for a
   * pack folder. Reads the file when the cache does not know it at its current size and time.
   *
   * @throws ModelPackException when the file cannot be read
   */
  public synchronized String shortHash(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    load();
    String stamp = stamp(abs);
    JsonObject known = entries.get(abs.toString());
    if (known != null && stamp.equals(string(known, "stamp")) && string(known, "hash") != null) {
      return string(known, "hash");
    }
    String hash =
        Files.isDirectory(abs)
            ? ModelPack.open(abs).unetHash()
            : WeightsHash.sha256Hex(List.of(abs)).substring(0, 10);
    JsonObject e = new JsonObject();
    e.addProperty("stamp", stamp);
    e.addProperty("hash", hash);
    entries.remove(abs.toString());
    entries.put(abs.toString(), e);
    while (entries.size() > MAX_ENTRIES) {
      entries.remove(entries.keySet().iterator().next());
    }
    save();
    return hash;
  }

  /**
   * The SHA-256 of the whole {@code file} in lower-case hex: A1111's {@code hashes.sha256}, whose
   * first 10 digits are its {@code VAE hash} and first 12 its {@code TI hashes}.
   *
   * @throws ModelPackException when the file cannot be read
   */
  public static String sha256Hex(Path file) {
    return WeightsHash.sha256Hex(List.of(file));
  }

  /** The cached short hash of {@code file} at its current size and time, or null (no reading). */
  public synchronized String cachedHash(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    load();
    JsonObject known = entries.get(abs.toString());
    return known != null && stamp(abs).equals(string(known, "stamp"))
        ? string(known, "hash")
        : null;
  }

  /** Size and modification time; for a folder, those of its UNet folder's files. */
  private static String stamp(Path p) {
    try {
      if (Files.isDirectory(p)) {
        StringBuilder b = new StringBuilder();
        Path unet = p.resolve("unet");
        if (Files.isDirectory(unet)) {
          try (var s = Files.list(unet)) {
            s.sorted()
                .forEach(
                    f -> {
                      try {
                        b.append(f.getFileName())
                            .append(':')
                            .append(Files.size(f))
                            .append(':')
                            .append(Files.getLastModifiedTime(f).toMillis())
                            .append(';');
                      } catch (IOException e) {
                        b.append(f.getFileName()).append(":?;");
                      }
                    });
          }
        }
        return b.toString();
      }
      return Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return "?";
    }
  }

  private void load() {
    if (loaded) {
      return;
    }
    loaded = true;
    try {
      if (Files.size(cacheFile) > 16L << 20) {
        return; // not ours: a hash cache of 2000 entries is far smaller
      }
      JsonObject root = JsonParser.parseString(Files.readString(cacheFile)).getAsJsonObject();
      JsonObject files = root.getAsJsonObject("files");
      if (files == null) {
        return;
      }
      for (String k : files.keySet()) {
        if (files.get(k).isJsonObject()) {
          entries.put(k, files.getAsJsonObject(k));
        }
      }
    } catch (IOException | RuntimeException e) {
      entries.clear(); // missing or damaged: start afresh
    }
  }

  private void save() {
    JsonObject files = new JsonObject();
    entries.forEach(files::add);
    JsonObject root = new JsonObject();
    root.addProperty("format", "stepwise-model-hashes");
    root.add("files", files);
    try {
      Files.createDirectories(cacheFile.toAbsolutePath().getParent());
      AtomicWrite.writeString(cacheFile, GSON.toJson(root));
    } catch (IOException e) {
      // The cache is advisory: the hash is still returned, only not remembered.
    }
  }

  private static String string(JsonObject o, String key) {
    return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : null;
  }
}
