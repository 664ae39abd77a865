package dev.stepwise.engine.pack;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where one component's weights are: a single safetensors file or a sharded index, chosen by the
 * diffusers/transformers file names (diffusers src/diffusers/utils/constants.py
 * SAFETENSORS_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME; transformers SAFE_WEIGHTS_NAME).
 *
 * @param component the folder name, e.g. {@code unet}
 * @param file the single weights file, or the index file when {@code sharded}
 * @param sharded whether {@code file} is a {@code .safetensors.index.json}
 */
record ComponentWeights(String component, Path file, boolean sharded) {

  /** File endings that hold weights in some format; everything else is left alone silently. */
  private static final List<String> WEIGHT_ENDINGS =
      List.of(
          ".safetensors",
          ".safetensors.index.json",
          ".bin",
          ".bin.index.json",
          ".ckpt",
          ".pt",
          ".pth",
          ".onnx",
          ".onnx_data",
          ".msgpack",
          ".h5",
          ".pb",
          ".gguf");

  /** Pickle formats Stepwise never reads (they can run code when loaded). */
  private static final List<String> PICKLE_ENDINGS = List.of(".bin", ".ckpt", ".pt", ".pth");

  /** The path relative to the pack root, with forward slashes, for messages. */
  String relative() {
    return component + "/" + file.getFileName();
  }

  /**
   * Finds the weights of {@code component} whose files are named {@code base}.safetensors (or its
   * index), adding a notice for every other weights file in the folder.
   */
  static ComponentWeights locate(
      Path root, String component, String base, String pack, List<String> notices) {
    Path dir = root.resolve(component);
    String single = base + ".safetensors";
    String index = base + ".safetensors.index.json";
    Set<String> used = new HashSet<>();
    ComponentWeights found;
    if (Files.isRegularFile(dir.resolve(single))) {
      found = new ComponentWeights(component, dir.resolve(single), false);
      used.add(single);
    } else if (Files.isRegularFile(dir.resolve(index))) {
      found = new ComponentWeights(component, dir.resolve(index), true);
      used.add(index);
      used.addAll(shardNames(dir.resolve(index), pack + ": " + component + "/" + index));
    } else if (Files.isRegularFile(dir.resolve(base + ".fp16.safetensors"))) {
      // diffusers' variant="fp16" downloads hold only this file: use it, and say so.
      found = new ComponentWeights(component, dir.resolve(base + ".fp16.safetensors"), false);
      used.add(base + ".fp16.safetensors");
      notices.add(
          component + "/" + base + ".fp16.safetensors used: the folder has no " + single + ".");
    } else if (Files.isRegularFile(dir.resolve(base + ".fp16.safetensors.index.json"))) {
      String fp16Index = base + ".fp16.safetensors.index.json";
      found = new ComponentWeights(component, dir.resolve(fp16Index), true);
      used.add(fp16Index);
      used.addAll(shardNames(dir.resolve(fp16Index), pack + ": " + component + "/" + fp16Index));
      notices.add(component + "/" + fp16Index + " used: the folder has no " + single + ".");
    } else {
      throw missing(dir, component, single, index, pack);
    }
    for (String name : listFiles(dir, pack, component)) {
      if (!used.contains(name) && isWeightsFile(name)) {
        notices.add(component + "/" + name + " ignored: Stepwise uses " + found.relative() + ".");
      }
    }
    return found;
  }

  /** "a folder", "a named pipe (FIFO)", "a device or socket": what a non-file path is, in words. */
  static String kindOf(Path p) {
    if (Files.isDirectory(p)) {
      return "a folder";
    }
    try {
      java.nio.file.attribute.BasicFileAttributes a =
          Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
      return a.isOther() ? "a named pipe, device or socket" : "not a regular file";
    } catch (IOException e) {
      return "not a regular file";
    }
  }

  static boolean isWeightsFile(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    return WEIGHT_ENDINGS.stream().anyMatch(lower::endsWith);
  }

  private static ModelPackException missing(
      Path dir, String component, String single, String index, String pack) {
    for (String name : new String[] {single, index}) {
      Path p = dir.resolve(name);
      if (Files.exists(p) && !Files.isRegularFile(p)) {
        return new ModelPackException(
            pack
                + ": "
                + component
                + "/"
                + name
                + " is "
                + kindOf(p)
                + ", not a file; Stepwise reads weights only from regular files.");
      }
    }
    List<String> variants = new ArrayList<>();
    List<String> pickles = new ArrayList<>();
    for (String name : listFiles(dir, pack, component)) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.endsWith(".safetensors") || lower.endsWith(".safetensors.index.json")) {
        variants.add(name);
      } else if (PICKLE_ENDINGS.stream().anyMatch(lower::endsWith)) {
        pickles.add(name);
      }
    }
    if (!variants.isEmpty()) {
      return new ModelPackException(
          pack
              + ": "
              + component
              + "/"
              + single
              + " is missing; the folder has only "
              + String.join(", ", variants)
              + " (Stepwise picks only the plain file or its fp16 variant:"
              + " rename the one to use to "
              + single
              + ").");
    }
    if (!pickles.isEmpty()) {
      return new ModelPackException(
          pack
              + ": "
              + component
              + "/ holds only "
              + String.join(", ", pickles)
              + " (PyTorch pickle weights); Stepwise reads safetensors only, so convert them to "
              + component
              + "/"
              + single
              + ".");
    }
    return new ModelPackException(
        pack
            + ": "
            + component
            + "/"
            + single
            + " is missing (nor is there a sharded "
            + index
            + ").");
  }

  /** The distinct shard file names the index refers to (the index itself is validated later). */
  private static Set<String> shardNames(Path indexFile, String where) {
    Set<String> names = new HashSet<>();
    try {
      if (Files.size(indexFile) > dev.stepwise.engine.weights.ShardedSafetensors.MAX_INDEX_BYTES) {
        return names; // refused with a clear message when the weights are opened
      }
      JsonObject root = StrictJson.parseObject(Files.readAllBytes(indexFile), where);
      JsonElement map = root.get("weight_map");
      if (map != null && map.isJsonObject()) {
        for (var kv : map.getAsJsonObject().entrySet()) {
          if (kv.getValue().isJsonPrimitive()) {
            names.add(kv.getValue().getAsString());
          }
        }
      }
    } catch (IOException e) {
      throw new ModelPackException(where + " cannot be read (" + e.getMessage() + ").", e);
    }
    return names;
  }

  static List<String> listFiles(Path dir, String pack, String component) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new ModelPackException(
          pack + ": " + component + "/ cannot be listed (" + e.getMessage() + ").", e);
    }
  }
}
