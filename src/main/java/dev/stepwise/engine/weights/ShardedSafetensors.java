package dev.stepwise.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Weights split over several safetensors files, as diffusers and transformers save large models: a
 * {@code <name>.safetensors.index.json} whose {@code weight_map} sends each tensor name to the
 * shard file holding it (diffusers src/diffusers/utils/constants.py SAFE_WEIGHTS_INDEX_NAME;
 * transformers modeling_utils.py load_sharded_checkpoint).
 *
 * <p>Everything is validated when opened: every shard lies inside the index's folder (no path
 * traversal), exists and is a valid safetensors file; every mapped name is present in its shard; no
 * name sits in two shards. Tensors a shard holds beyond the weight map are not exposed.
 */
public final class ShardedSafetensors implements TensorSource {
  /** The largest index file accepted; real indexes are well under 1 MiB. */
  public static final long MAX_INDEX_BYTES = 64L << 20;

  private final String origin;
  private final Map<String, SafetensorsFile> byName;
  private final List<SafetensorsFile> shards;
  private final long totalSize;

  private ShardedSafetensors(
      String origin,
      Map<String, SafetensorsFile> byName,
      List<SafetensorsFile> shards,
      long totalSize) {
    this.origin = origin;
    this.byName = Collections.unmodifiableMap(byName);
    this.shards = List.copyOf(shards);
    this.totalSize = totalSize;
  }

  /** Opens {@code indexFile} and all its shards; messages name files by path. */
  public static ShardedSafetensors open(Path indexFile) {
    return open(indexFile, indexFile.toString());
  }

  /**
   * Opens {@code indexFile} and validates it and every shard, naming the index {@code origin} in
   * messages. Throws {@link ModelPackException} on any problem; nothing stays open then.
   */
  public static ShardedSafetensors open(Path indexFile, String origin) {
    String where = "The shard index " + origin;
    JsonObject root = StrictJson.parseObject(readBounded(indexFile, where), where);
    JsonElement mapJson = root.get("weight_map");
    if (mapJson == null || !mapJson.isJsonObject()) {
      throw new ModelPackException(
          where + " needs a \"weight_map\" object from tensor name to shard file.");
    }
    long totalSize = readTotalSize(root, where);
    Path dir = indexFile.toAbsolutePath().normalize().getParent();
    // Shard file name -> names it should hold, shards in sorted file-name order.
    Map<String, List<String>> wanted = new TreeMap<>();
    for (Map.Entry<String, JsonElement> kv : mapJson.getAsJsonObject().entrySet()) {
      JsonElement v = kv.getValue();
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
        throw new ModelPackException(
            where
                + ": weight_map value for \""
                + StrictJson.shorten(kv.getKey())
                + "\" must be a shard file name, not "
                + StrictJson.kind(v)
                + ".");
      }
      wanted.computeIfAbsent(v.getAsString(), k -> new ArrayList<>()).add(kv.getKey());
    }
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
      Map<String, String> holder = new HashMap<>();
      for (Map.Entry<String, List<String>> shard : wanted.entrySet()) {
        Path file = resolveInside(dir, shard.getKey(), where);
        String shardOrigin = siblingOrigin(origin, shard.getKey());
        if (!Files.isRegularFile(file)) {
          throw new ModelPackException(
              where
                  + " refers to shard \""
                  + StrictJson.shorten(shard.getKey())
                  + "\", which is missing from "
                  + dir
                  + ".");
        }
        SafetensorsFile sf = SafetensorsFile.open(file, shardOrigin);
        opened.add(sf);
        for (String name : sf.names()) {
          String previous = holder.putIfAbsent(name, shard.getKey());
          if (previous != null) {
            throw new ModelPackException(
                where
                    + ": tensor \""
                    + StrictJson.shorten(name)
                    + "\" is stored in both "
                    + previous
                    + " and "
                    + shard.getKey()
                    + "; each tensor must be in one shard.");
          }
        }
        for (String name : shard.getValue()) {
          if (sf.entry(name) == null) {
            throw new ModelPackException(
                where
                    + " maps tensor \""
                    + StrictJson.shorten(name)
                    + "\" to "
                    + shard.getKey()
                    + ", but that shard has no such tensor.");
          }
          byName.put(name, sf);
        }
      }
      return new ShardedSafetensors(origin, byName, opened, totalSize);
    } catch (RuntimeException e) {
      opened.forEach(SafetensorsFile::close);
      throw e;
    }
  }

  /** The shard files, opened, in file-name order (the order diffusers numbers them). */
  public List<SafetensorsFile> shards() {
    return shards;
  }

  /** {@code metadata.total_size} from the index (bytes of tensor data), or -1 when absent. */
  public long totalSize() {
    return totalSize;
  }

  @Override
  public Set<String> names() {
    return byName.keySet();
  }

  @Override
  public long[] shape(String name) {
    SafetensorsFile f = byName.get(name);
    return f == null ? null : f.shape(name);
  }

  @Override
  public NDArray load(String name, NDManager manager) {
    return shardOf(name).load(name, manager);
  }

  @Override
  public NDArray loadStored(String name, NDManager manager) {
    return shardOf(name).loadStored(name, manager);
  }

  /** Reads {@code name} into a Java float array, see {@link SafetensorsFile#readFloats}. */
  public float[] readFloats(String name) {
    return shardOf(name).readFloats(name);
  }

  /** The header entry for {@code name}, or null. */
  public SafetensorsEntry entry(String name) {
    SafetensorsFile f = byName.get(name);
    return f == null ? null : f.entry(name);
  }

  @Override
  public String origin() {
    return origin;
  }

  @Override
  public void close() {
    shards.forEach(SafetensorsFile::close);
  }

  private SafetensorsFile shardOf(String name) {
    SafetensorsFile f = name == null ? null : byName.get(name);
    if (f == null) {
      throw new ModelPackException(
          "The shard index "
              + origin
              + " has no tensor named \""
              + StrictJson.shorten(String.valueOf(name))
              + "\".");
    }
    return f;
  }

  /**
   * Resolves a shard name against the index folder and refuses anything that lands outside it
   * (absolute paths, {@code ..} segments), comparing normalized paths without following links.
   */
  static Path resolveInside(Path dir, String shardName, String where) {
    Path resolved;
    try {
      Path rel = dir.getFileSystem().getPath(shardName);
      if (shardName.isEmpty() || rel.isAbsolute() || shardName.contains("\\")) {
        throw new ModelPackException(
            where
                + ": shard name \""
                + StrictJson.shorten(shardName)
                + "\" must be a relative file name inside "
                + dir
                + ".");
      }
      resolved = dir.resolve(rel).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw new ModelPackException(
          where
              + ": shard name \""
              + StrictJson.shorten(shardName)
              + "\" is not a valid file name.",
          e);
    }
    if (!resolved.startsWith(dir) || resolved.equals(dir)) {
      throw new ModelPackException(
          where
              + ": shard name \""
              + StrictJson.shorten(shardName)
              + "\" points outside its folder "
              + dir
              + "; shards must sit beside the index.");
    }
    return resolved;
  }

  private static long readTotalSize(JsonObject root, String where) {
    JsonElement meta = root.get("metadata");
    if (meta == null || meta.isJsonNull()) {
      return -1;
    }
    if (!meta.isJsonObject()) {
      throw new ModelPackException(
          where + ": \"metadata\" must be an object, not " + StrictJson.kind(meta) + ".");
    }
    JsonElement total = meta.getAsJsonObject().get("total_size");
    if (total == null || total.isJsonNull()) {
      return -1;
    }
    if (total.isJsonPrimitive() && total.getAsJsonPrimitive().isNumber()) {
      BigDecimal d = total.getAsBigDecimal();
      // Some writers store it as a float such as 3438167536.0; accept any whole value.
      try {
        BigDecimal whole = d.stripTrailingZeros();
        if (d.signum() >= 0 && whole.scale() <= 0) {
          return whole.longValueExact();
        }
      } catch (ArithmeticException tooBig) {
        // falls through to the message
      }
    }
    throw new ModelPackException(
        where
            + ": metadata.total_size "
            + StrictJson.shorten(total.toString())
            + " must be a non-negative whole number of bytes.");
  }

  private static String siblingOrigin(String indexOrigin, String shardName) {
    int slash = Math.max(indexOrigin.lastIndexOf('/'), indexOrigin.lastIndexOf('\\'));
    return slash < 0 ? shardName : indexOrigin.substring(0, slash + 1) + shardName;
  }

  static byte[] readBounded(Path file, String where) {
    try {
      if (Files.isDirectory(file)) {
        throw new ModelPackException(where + " is a folder, not a file.");
      }
      long size = Files.size(file);
      if (size > MAX_INDEX_BYTES) {
        throw new ModelPackException(
            where
                + " is "
                + size
                + " bytes; an index may be at most "
                + MAX_INDEX_BYTES
                + " bytes.");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelPackException(where + " does not exist.", e);
    } catch (IOException e) {
      throw new ModelPackException(where + " cannot be read (" + e.getMessage() + ").", e);
    }
  }
}
