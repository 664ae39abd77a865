package dev.stepwise.engine.backend;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.files.AtomicWrite;
import dev.stepwise.files.UserDirs;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The named backends, {@code backends.json} in Stepwise's config folder ({@link #folder}), which
 * the CLI ({@code backends}, {@code generate --backend NAME}) and the studio read and write.
 *
 * <pre>{"backends": [{"name": "gpu-box", "url": "http://user:pass@gpu-box:7860",
 *                "kind": "a1111", "enabled": true}]}</pre>
 *
 * <p>The file is untrusted: it is read only up to {@link #MAX_BYTES}, as strict JSON, and a bad
 * entry is refused with one sentence naming the entry and the field. A URL may carry credentials
 * ({@code user:pass@}); they are never part of a message or of {@link Entry#shownUrl()}. Writing is
 * atomic ({@link AtomicWrite}) and leaves the file readable by its owner only where the file system
 * has POSIX permissions.
 */
public final class BackendsConfig {
  /** The largest file read: far more than any hand-written list of servers. */
  public static final long MAX_BYTES = 1 << 20;

  /** The longest name. */
  public static final int MAX_NAME = 40;

  /** The most entries. */
  public static final int MAX_ENTRIES = 100;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  /** The API a backend speaks. */
  public enum Kind {
    A1111,
    COMFYUI;

    /** The name in the file: {@code a1111} or {@code comfyui}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One configured backend. */
  public record Entry(String name, String url, Kind kind, boolean enabled) {
    /** Throws {@link EngineException} with one sentence when the name or URL is not allowed. */
    public Entry {
      String problem = nameProblem(name);
      if (problem != null) {
        throw new EngineException(problem);
      }
      problem = urlProblem(url);
      if (problem != null) {
        throw new EngineException("The backend " + name + "'s url " + problem);
      }
      url = url.strip();
      kind = kind == null ? Kind.A1111 : kind;
    }

    /** The URL without its credentials, safe to show. */
    public String shownUrl() {
      return withoutCredentials(url);
    }

    /** This entry enabled or disabled. */
    public Entry enabled(boolean on) {
      return new Entry(name, url, kind, on);
    }
  }

  private final Path file;

  /** The config at {@code file}. */
  public BackendsConfig(Path file) {
    this.file = file;
  }

  /** The config at the standard place (see the class comment). */
  public static BackendsConfig standard() {
    return new BackendsConfig(folder().resolve("backends.json"));
  }

  /**
   * Stepwise's config folder, the studio's: {@code $XDG_CONFIG_HOME/stepwise}, else {@code
   * ~/.config/stepwise}; the system property {@code stepwise.config.dir} moves it.
   */
  public static Path folder() {
    return UserDirs.stepwiseConfig();
  }

  public Path file() {
    return file;
  }

  /**
   * The configured backends in the file's order; none when the file does not exist.
   *
   * @throws EngineException with one sentence when the file cannot be read or an entry is bad
   */
  public List<Entry> load() {
    String text;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new EngineException(
            "The backends file "
                + file
                + " is "
                + size
                + " bytes; at most "
                + MAX_BYTES
                + " bytes are read.");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException | RuntimeException e) {
      if (e instanceof EngineException ee) {
        throw ee;
      }
      throw new EngineException(
          "The backends file " + file + " could not be read (" + e.getMessage() + ").", e);
    }
    return parse(text, file.toString());
  }

  /** The entries in {@code text}; {@code where} names the file in messages. */
  static List<Entry> parse(String text, String where) {
    JsonElement root;
    try {
      JsonReader r = new JsonReader(new StringReader(text));
      r.setStrictness(Strictness.STRICT);
      root = GSON.getAdapter(JsonElement.class).read(r);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonParseException("text after the end");
      }
    } catch (IOException | JsonParseException | IllegalStateException | StackOverflowError e) {
      throw new EngineException(
          "The backends file "
              + where
              + " is not valid JSON (it may be truncated); fix or remove it.");
    }
    if (!root.isJsonObject() || !root.getAsJsonObject().has("backends")) {
      throw new EngineException(
          "The backends file " + where + " is not an object with a \"backends\" list.");
    }
    JsonElement list = root.getAsJsonObject().get("backends");
    if (!list.isJsonArray()) {
      throw new EngineException(
          "The backends file " + where + "'s \"backends\" is not a list of entries.");
    }
    JsonArray all = list.getAsJsonArray();
    if (all.size() > MAX_ENTRIES) {
      throw new EngineException(
          "The backends file "
              + where
              + " lists "
              + all.size()
              + " backends; at most "
              + MAX_ENTRIES
              + " are allowed.");
    }
    List<Entry> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < all.size(); i++) {
      String at = "The backend entry " + (i + 1) + " in " + where;
      if (!all.get(i).isJsonObject()) {
        throw new EngineException(at + " is not an object with a name and a url.");
      }
      JsonObject o = all.get(i).getAsJsonObject();
      String name = text(o, "name", at);
      String url = text(o, "url", at);
      if (name == null || url == null) {
        throw new EngineException(
            at + " has no \"" + (name == null ? "name" : "url") + "\"; give each entry both.");
      }
      String problem = nameProblem(name);
      if (problem != null) {
        throw new EngineException(at + " has a bad \"name\": " + problem);
      }
      at = "The backend " + name + " in " + where;
      problem = urlProblem(url);
      if (problem != null) {
        throw new EngineException(at + " has a bad \"url\": it " + problem);
      }
      Kind kind = Kind.A1111;
      String k = text(o, "kind", at);
      if (k != null) {
        try {
          kind = Kind.valueOf(k.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new EngineException(
              at + " has the \"kind\" '" + shorten(k) + "'; use a1111 or comfyui.");
        }
      }
      boolean enabled = true;
      JsonElement en = o.get("enabled");
      if (en != null && !en.isJsonNull()) {
        if (!(en instanceof JsonPrimitive p && p.isBoolean())) {
          throw new EngineException(at + " has an \"enabled\" that is not true or false.");
        }
        enabled = en.getAsBoolean();
      }
      if (!seen.add(name.toLowerCase(Locale.ROOT))) {
        throw new EngineException(
            "The backend name " + name + " is given twice in " + where + "; give each once.");
      }
      out.add(new Entry(name, url, kind, enabled));
    }
    return List.copyOf(out);
  }

  private static String text(JsonObject o, String key, String at) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!(e instanceof JsonPrimitive p && p.isString())) {
      throw new EngineException(at + " has a \"" + key + "\" that is not a text.");
    }
    return p.getAsString();
  }

  /**
   * Writes {@code entries} atomically (the folder is made when missing).
   *
   * @throws EngineException with one sentence when it cannot be written (the old file is kept)
   */
  public void save(List<Entry> entries) {
    Set<String> seen = new HashSet<>();
    JsonArray all = new JsonArray();
    for (Entry e : entries) {
      if (!seen.add(e.name().toLowerCase(Locale.ROOT))) {
        throw new EngineException(
            "The backend name " + e.name() + " is given twice; give each once.");
      }
      JsonObject o = new JsonObject();
      o.addProperty("name", e.name());
      o.addProperty("url", e.url());
      o.addProperty("kind", e.kind().key());
      o.addProperty("enabled", e.enabled());
      all.add(o);
    }
    JsonObject root = new JsonObject();
    root.add("backends", all);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      AtomicWrite.writeString(file, GSON.toJson(root) + "\n");
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // no POSIX permissions here (Windows): the user's profile folder guards it
      }
    } catch (IOException e) {
      throw new EngineException(
          "The backends file " + file + " could not be written (" + e.getMessage() + ").", e);
    }
  }

  /** The entry named {@code name} (any case), or null. */
  public static Entry find(List<Entry> entries, String name) {
    for (Entry e : entries) {
      if (e.name().equalsIgnoreCase(name)) {
        return e;
      }
    }
    return null;
  }

  /** The names, comma-separated, or "none". */
  public static String names(List<Entry> entries) {
    return entries.isEmpty()
        ? "none"
        : String.join(", ", entries.stream().map(Entry::name).toList());
  }

  /**
   * The one place a URL becomes a {@link Backend}: {@code http(s)://...} speaks AUTOMATIC1111's
   * API; {@code comfyui+http(s)://...} (or the kind {@link Kind#COMFYUI}) is a ComfyUI server. The
   * backend's name is {@code name}, or the URL without credentials when {@code name} is null.
   *
   * @throws EngineException with one sentence when the URL is not usable
   */
  public static Backend backend(String url, Kind kind, String name) {
    String given = url == null ? "" : url.strip();
    String u = given;
    if (u.toLowerCase(Locale.ROOT).startsWith("comfyui+")) {
      u = u.substring("comfyui+".length());
      kind = Kind.COMFYUI;
    }
    String problem = urlProblem(u);
    if (problem != null) { // named as the user wrote it, prefix included
      throw new EngineException(
          "The backend '"
              + withoutCredentials(given)
              + "' "
              + (kind == Kind.COMFYUI
                  ? problem.replace("http://host:7860", "comfyui+http://host:8188")
                  : problem));
    }
    Backend b =
        kind == Kind.COMFYUI ? new ComfyBackend(ComfyBackend.PREFIX + u) : new A1111Backend(u);
    return name == null ? b : new Named(name, b);
  }

  /** The backend of a configured entry, named by its name. */
  public static Backend backend(Entry e) {
    return backend(e.url(), e.kind(), e.name());
  }

  /** Why {@code name} is not allowed (one sentence), or null. */
  public static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "A backend needs a name, such as gpu-box.";
    }
    if (name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
      return "The backend name '"
          + shorten(name)
          + "' is not allowed; use up to "
          + MAX_NAME
          + " letters, digits, '.', '_' or '-', starting with a letter or digit.";
    }
    return null;
  }

  /** Why {@code url} is not a backend URL (a sentence's end after "it"), or null. */
  static String urlProblem(String url) {
    if (url == null || url.isBlank()) {
      return "is empty; give an http or https URL such as http://host:7860.";
    }
    String u = url.strip();
    if (u.toLowerCase(Locale.ROOT).startsWith("comfyui+")) {
      u = u.substring("comfyui+".length());
    }
    URI parsed;
    try {
      parsed = new URI(u);
    } catch (URISyntaxException e) {
      return "is not a URL such as http://host:7860.";
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || parsed.getHost() == null) {
      return "is not an http or https URL such as http://host:7860.";
    }
    String path = parsed.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || parsed.getRawQuery() != null
        || parsed.getRawFragment() != null) {
      return "has a path; give only the scheme, host and port, such as http://host:7860.";
    }
    return null;
  }

  /** {@code url} with any {@code user:pass@} removed (for messages and lists). */
  public static String withoutCredentials(String url) {
    if (url == null) {
      return "";
    }
    return url.strip().replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", "$1");
  }

  private static String shorten(String s) {
    String t = s.replaceAll("\\p{Cntrl}", "?");
    return t.length() > 60 ? t.substring(0, 57) + "..." : t;
  }

  /** A backend shown under its configured name. */
  private static final class Named implements Backend {
    private final String name;
    private final Backend inner;

    Named(String name, Backend inner) {
      this.name = name;
      this.inner = inner;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public GenerationResult run(GenerationRequest r, GenerationListener l, CancellationToken t) {
      return inner.run(r, l, t);
    }

    @Override
    public List<String> models() {
      return inner.models();
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
