package dev.stepwise.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.stepwise.Stepwise;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelsFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checkpoints a request may name: those of the server's models folder, plus its default model,
 * each by its plain name. A request never reaches a file by a path: a name that looks like one is
 * refused (400) and an unknown name is not found (404).
 */
final class ApiModels {
  /** One checkpoint a request may name. */
  record Model(String name, String fileName, Path path) {}

  private final Path root;
  private final Model defaultModel;
  private final ModelHashes hashes =
      new ModelHashes(Stepwise.cacheDir().resolve("model-hashes.json"));
  private final Map<Path, String> learned = new ConcurrentHashMap<>();
  private volatile Model current;

  ApiModels(Path root, Path defaultModel) {
    this.root = root;
    this.defaultModel = model(defaultModel);
    this.current = this.defaultModel;
  }

  private static Model model(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    String file = abs.getFileName().toString();
    int dot = file.lastIndexOf('.');
    String name = dot > 0 && !java.nio.file.Files.isDirectory(abs) ? file.substring(0, dot) : file;
    return new Model(name, file, abs);
  }

  /** The models folder, or null. */
  Path root() {
    return root;
  }

  /** Every model a request may name, the default first. */
  List<Model> all() {
    List<Model> out = new ArrayList<>();
    out.add(defaultModel);
    if (root != null) {
      for (ModelsFolder.Entry e : ModelsFolder.at(root).checkpoints()) {
        Model m = model(e.path());
        if (e.refusal() == null && out.stream().noneMatch(o -> o.path().equals(m.path()))) {
          out.add(m);
        }
      }
    }
    return out;
  }

  /** The model requests use when they name none (POST /sdapi/v1/options changes it). */
  Model current() {
    return current;
  }

  void current(Model m) {
    current = m;
  }

  /** Remembers the hash a loaded model reported. */
  void learned(Path path, String hash) {
    if (path != null && hash != null) {
      learned.put(path.toAbsolutePath().normalize(), hash);
    }
  }

  /** A1111's short hash when known (from a loaded model or the hash cache), else null. */
  String hash(Model m) {
    String h = learned.get(m.path());
    return h != null ? h : hashes.cachedHash(m.path());
  }

  /** A1111's title: the file name and, when known, the short hash in brackets. */
  String title(Model m) {
    String h = hash(m);
    return h == null ? m.fileName() : m.fileName() + " [" + h + "]";
  }

  /**
   * The model {@code requested} names: a model name, a file name or a title; null or blank for the
   * current model.
   */
  Model resolve(String requested) {
    if (requested == null || requested.isBlank()) {
      return current;
    }
    String n = requested.strip().replaceFirst("\\s*\\[[0-9a-fA-F]{8,64}\\]$", "");
    if (n.contains("/")
        || n.contains("\\")
        || n.contains("..")
        || n.contains(":")
        || n.startsWith(".")
        || n.chars().anyMatch(c -> c < 0x20)) {
      throw ApiException.bad(
          "The model '"
              + shown(requested)
              + "' looks like a path; name a model from GET /sdapi/v1/sd-models instead.");
    }
    for (Model m : all()) {
      if (m.name().equalsIgnoreCase(n) || m.fileName().equalsIgnoreCase(n)) {
        return m;
      }
    }
    throw new ApiException(
        404,
        "There is no model named '"
            + shown(requested)
            + "' in the server's models folder; GET /sdapi/v1/sd-models lists them.");
  }

  /** GET /sdapi/v1/sd-models: A1111's SDModelItem list (no server paths: file names only). */
  JsonArray json() {
    JsonArray a = new JsonArray();
    for (Model m : all()) {
      JsonObject o = new JsonObject();
      o.addProperty("title", title(m));
      o.addProperty("model_name", m.name());
      String h = hash(m);
      if (h == null) {
        o.add("hash", JsonNull.INSTANCE);
      } else {
        o.addProperty("hash", h);
      }
      o.add("sha256", JsonNull.INSTANCE);
      o.addProperty("filename", m.fileName());
      o.add("config", JsonNull.INSTANCE);
      a.add(o);
    }
    return a;
  }

  /** A name as a message quotes it: at most 80 characters. */
  static String shown(String s) {
    String t = s.length() > 80 ? s.substring(0, 77) + "..." : s;
    StringBuilder b = new StringBuilder();
    t.codePoints().forEach(c -> b.append(c < 0x20 || c == 0x7f ? "?" : Character.toString(c)));
    return b.toString();
  }
}
