package dev.stepwise.gallery;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.stepwise.files.AtomicWrite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The library's curation (favourites, galleries, tags) kept beside the index in {@code
 * .stepwise/curation.json}, by file name, so that an index rebuilt after corruption, loss or a
 * schema change gets it back. The PNGs hold the recipes; this file holds what the user added.
 *
 * <p>Layout: {@code {"format": "stepwise-curation", "formatVersion": 1, "favourites": [file...],
 * "galleries": {name: [file...]}, "tags": {file: [tag...]}}}, files relative to the library folder
 * with {@code /} separators. Written whole after every change, atomically ({@link AtomicWrite}: a
 * hidden temporary file renamed over the old one). Read as untrusted: a file over {@link
 * #MAX_BYTES}, malformed JSON or another format gives nothing, and entries of the wrong type are
 * skipped.
 */
final class CurationJournal {
  /** File name inside the library's {@code .stepwise} folder. */
  static final String FILE = "curation.json";

  static final String FORMAT = "stepwise-curation";

  /**
   * Larger files are refused unread (a million curated images fit in about 100 MB; 64 MB is ample).
   */
  static final long MAX_BYTES = 64L << 20;

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private CurationJournal() {}

  /**
   * What the user added to the library's images.
   *
   * @param favourites files marked as favourites
   * @param galleries gallery name to its files (a gallery may be empty)
   * @param tags file to its tags
   */
  record Curation(
      List<String> favourites,
      Map<String, List<String>> galleries,
      Map<String, List<String>> tags) {

    /** Sorted copies. */
    Curation {
      favourites = List.copyOf(new TreeSet<>(favourites));
      Map<String, List<String>> g = new TreeMap<>();
      galleries.forEach((k, v) -> g.put(k, List.copyOf(new TreeSet<>(v))));
      galleries = java.util.Collections.unmodifiableMap(g);
      Map<String, List<String>> t = new TreeMap<>();
      tags.forEach((k, v) -> t.put(k, List.copyOf(new TreeSet<>(v))));
      tags = java.util.Collections.unmodifiableMap(t);
    }

    boolean isEmpty() {
      return favourites.isEmpty() && galleries.isEmpty() && tags.isEmpty();
    }
  }

  /** Writes {@code curation} to {@code meta/curation.json} atomically. */
  static void write(Path meta, Curation curation) throws IOException {
    JsonObject root = new JsonObject();
    root.addProperty("format", FORMAT);
    root.addProperty("formatVersion", 1);
    root.add("favourites", array(curation.favourites()));
    JsonObject galleries = new JsonObject();
    curation.galleries().forEach((name, files) -> galleries.add(name, array(files)));
    root.add("galleries", galleries);
    JsonObject tags = new JsonObject();
    curation.tags().forEach((file, list) -> tags.add(file, array(list)));
    root.add("tags", tags);
    AtomicWrite.writeString(meta.resolve(FILE), GSON.toJson(root) + "\n");
  }

  /**
   * Reads {@code meta/curation.json}; empty when it is absent, too large, not JSON or of another
   * format.
   */
  static Optional<Curation> read(Path meta) {
    Path file = meta.resolve(FILE);
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_BYTES) {
        return Optional.empty();
      }
      JsonElement parsed = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
      if (!parsed.isJsonObject()) {
        return Optional.empty();
      }
      JsonObject root = parsed.getAsJsonObject();
      JsonElement version = root.get("formatVersion");
      if (!FORMAT.equals(string(root.get("format")))
          || version == null
          || !version.isJsonPrimitive()
          || !version.getAsJsonPrimitive().isNumber()
          || version.getAsDouble() != 1.0) {
        return Optional.empty();
      }
      return Optional.of(
          new Curation(
              strings(root.get("favourites")),
              stringLists(root.get("galleries")),
              stringLists(root.get("tags"))));
    } catch (IOException
        | JsonParseException
        | IllegalStateException
        | NumberFormatException
        | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  private static JsonArray array(List<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  private static String string(JsonElement e) {
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
        ? e.getAsString()
        : null;
  }

  /** The strings of a JSON array; other elements and other types give nothing. */
  private static List<String> strings(JsonElement e) {
    List<String> out = new ArrayList<>();
    if (e != null && e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        String s = string(x);
        if (s != null && !s.isBlank()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static Map<String, List<String>> stringLists(JsonElement e) {
    Map<String, List<String>> out = new TreeMap<>();
    if (e != null && e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
        if (!entry.getKey().isBlank() && entry.getValue().isJsonArray()) {
          out.put(entry.getKey(), strings(entry.getValue()));
        }
      }
    }
    return out;
  }
}
