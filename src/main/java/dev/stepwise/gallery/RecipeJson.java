package dev.stepwise.gallery;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.stepwise.metadata.MetadataException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes and reads the Stepwise recipe JSON kept in a PNG's {@code stepwise} text chunk.
 *
 * <p>Layout (format version 1): {@code {"format": "stepwise-recipe", "formatVersion": 1, "prompt",
 * "negativePrompt", "model": {"name", "hash"}, "sampler", "schedule": "karras" | "default",
 * "steps", "guidance", "eta", "seed", "width", "height", "durationMillis", "version", "createdAt"
 * (ISO-8601 instant), "extras": {key: value}}}. The extras keep A1111's own keys for what has no
 * member: {@code "Clip skip"} (absent means 1), {@code "VAE"}, {@code "VAE hash"} and {@code "TI
 * hashes"} (see {@link Recipe#clipSkip()}). {@code "source"}, present only in the index for a
 * recipe read from another tool's image, names that tool ({@link Recipe#source()}). Unknown members
 * are ignored so that later versions stay readable; a newer {@code formatVersion} is refused.
 */
public final class RecipeJson {
  /** The PNG text keyword that holds the JSON. */
  public static final String KEYWORD = "stepwise";

  /** The value of the {@code format} member. */
  public static final String FORMAT = "stepwise-recipe";

  /** The highest format version this build reads and the one it writes. */
  public static final int FORMAT_VERSION = 1;

  private RecipeJson() {}

  /** Returns the recipe as compact JSON. */
  public static String write(Recipe r) {
    JsonObject o = new JsonObject();
    o.addProperty("format", FORMAT);
    o.addProperty("formatVersion", FORMAT_VERSION);
    o.addProperty("prompt", r.prompt());
    o.addProperty("negativePrompt", r.negativePrompt());
    JsonObject model = new JsonObject();
    model.addProperty("name", r.modelName());
    model.addProperty("hash", r.modelHash());
    o.add("model", model);
    o.addProperty("sampler", r.sampler());
    o.addProperty("schedule", r.karras() ? "karras" : "default");
    o.addProperty("steps", r.steps());
    o.addProperty("guidance", r.guidance());
    o.addProperty("eta", r.eta());
    o.addProperty("seed", r.seed());
    o.addProperty("width", r.width());
    o.addProperty("height", r.height());
    o.addProperty("durationMillis", r.durationMillis());
    o.addProperty("version", r.version());
    o.addProperty("createdAt", r.createdAt() == null ? null : r.createdAt().toString());
    JsonObject extras = new JsonObject();
    r.extras().forEach(extras::addProperty);
    o.add("extras", extras);
    if (r.source() != null) {
      o.addProperty("source", r.source());
    }
    return o.toString();
  }

  /**
   * Reads recipe JSON.
   *
   * @throws MetadataException naming the first member that is missing or of the wrong kind, or when
   *     the text is not Stepwise recipe JSON
   */
  public static Recipe read(String json) {
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(json == null ? "" : json);
      if (!e.isJsonObject()) {
        throw new MetadataException("The Stepwise recipe is not a JSON object.");
      }
      o = e.getAsJsonObject();
    } catch (JsonParseException | StackOverflowError e) {
      throw new MetadataException("The Stepwise recipe is not valid JSON.", e);
    }
    if (!FORMAT.equals(string(o, "format", true))) {
      throw new MetadataException("The Stepwise recipe's format is not " + FORMAT + ".");
    }
    long fv = whole(o, "formatVersion");
    if (fv < 1 || fv > FORMAT_VERSION) {
      throw new MetadataException(
          "The Stepwise recipe has format version "
              + fv
              + "; this build reads 1 to "
              + FORMAT_VERSION
              + ".");
    }
    JsonObject model =
        o.has("model") && o.get("model").isJsonObject()
            ? o.getAsJsonObject("model")
            : new JsonObject();
    String schedule = string(o, "schedule", false);
    String created = string(o, "createdAt", false);
    Instant createdAt = null;
    if (created != null) {
      try {
        createdAt = Instant.parse(created);
      } catch (DateTimeParseException e) {
        throw new MetadataException(
            "The Stepwise recipe's createdAt '" + created + "' is not an ISO-8601 instant.", e);
      }
    }
    Map<String, String> extras = new LinkedHashMap<>();
    if (o.has("extras") && o.get("extras").isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("extras").entrySet()) {
        if (e.getValue().isJsonPrimitive()) {
          extras.put(e.getKey(), e.getValue().getAsString());
        }
      }
    }
    return new Recipe(
        string(o, "prompt", true),
        o.has("negativePrompt") ? string(o, "negativePrompt", true) : "",
        string(model, "name", false),
        string(model, "hash", false),
        string(o, "sampler", true),
        "karras".equals(schedule),
        (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, whole(o, "steps"))),
        number(o, "guidance"),
        o.has("eta") ? number(o, "eta") : 0,
        whole(o, "seed"),
        (int) Math.min(Integer.MAX_VALUE, Math.max(0, whole(o, "width"))),
        (int) Math.min(Integer.MAX_VALUE, Math.max(0, whole(o, "height"))),
        o.has("durationMillis") ? Math.max(-1, whole(o, "durationMillis")) : -1,
        string(o, "version", false),
        createdAt,
        extras,
        string(o, "source", false));
  }

  private static String string(JsonObject o, String key, boolean required) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      if (required) {
        throw new MetadataException("The Stepwise recipe has no '" + key + "'.");
      }
      return null;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new MetadataException("The Stepwise recipe's '" + key + "' is not a text.");
    }
    return e.getAsString();
  }

  private static JsonPrimitive numeric(JsonObject o, String key) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new MetadataException(
          "The Stepwise recipe's '" + key + "' is missing or not a number.");
    }
    return e.getAsJsonPrimitive();
  }

  private static long whole(JsonObject o, String key) {
    try {
      return numeric(o, key).getAsBigDecimal().longValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      throw new MetadataException(
          "The Stepwise recipe's '" + key + "' is not a whole number in range.", e);
    }
  }

  private static double number(JsonObject o, String key) {
    double d = numeric(o, key).getAsDouble();
    if (!Double.isFinite(d)) {
      throw new MetadataException("The Stepwise recipe's '" + key + "' is not a finite number.");
    }
    return d;
  }
}
