package dev.stepwise.engine.pack;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.util.Arrays;
import java.util.List;

/**
 * Typed reads of one config.json with diffusers' defaults for absent or null fields; a value of the
 * wrong type is a {@link ModelPackException} naming the file, the field and the value.
 */
public final class ConfigFields {
  private final JsonObject json;
  private final String file;

  /**
   * Reads {@code json}, which came from {@code file} (e.g. {@code unet/config.json}, for messages).
   */
  public ConfigFields(JsonObject json, String file) {
    this.json = json;
    this.file = file;
  }

  /** The field, or null when absent or JSON null. */
  public JsonElement get(String key) {
    JsonElement e = json.get(key);
    return e == null || e.isJsonNull() ? null : e;
  }

  /** A refusal about this file: "{file}: {what}.". */
  public ModelPackException fail(String what) {
    return new ModelPackException(file + ": " + what + ".");
  }

  public int integer(String key, int dflt) {
    JsonElement e = get(key);
    return e == null ? dflt : toInt(key, e);
  }

  public double number(String key, double dflt) {
    JsonElement e = get(key);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw fail(key + " must be a number, got " + e);
    }
    return e.getAsDouble();
  }

  public boolean bool(String key, boolean dflt) {
    JsonElement e = get(key);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw fail(key + " must be true or false, got " + e);
    }
    return e.getAsBoolean();
  }

  public String string(String key, String dflt) {
    JsonElement e = get(key);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw fail(key + " must be a string, got " + e);
    }
    return e.getAsString();
  }

  /** A list of strings (block names). */
  public List<String> strings(String key, List<String> dflt) {
    JsonElement e = get(key);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonArray()) {
      throw fail(key + " must be a list of names, got " + e);
    }
    JsonArray a = e.getAsJsonArray();
    String[] out = new String[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
        throw fail(key + " must be a list of names, got " + e);
      }
      out[i] = x.getAsString();
    }
    return List.of(out);
  }

  /**
   * An int or a list of ints; a single int is repeated {@code n} times (diffusers expands per-block
   * values the same way). {@code n < 0}: any length; otherwise a list must have {@code n} entries.
   */
  public int[] ints(String key, int[] dflt, int n) {
    JsonElement e = get(key);
    int[] v;
    if (e == null) {
      v = dflt.clone();
    } else if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      v = new int[a.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = toInt(key, a.get(i));
      }
    } else {
      v = new int[] {toInt(key, e)};
    }
    if (n >= 0 && v.length == 1 && n != 1) {
      int[] r = new int[n];
      Arrays.fill(r, v[0]);
      return r;
    }
    if (n >= 0 && v.length != n) {
      throw fail(key + " has " + v.length + " entries but there are " + n + " blocks");
    }
    return v;
  }

  private int toInt(String key, JsonElement e) {
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      double d = e.getAsDouble();
      if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    throw fail(key + " must be an integer, got " + e);
  }
}
