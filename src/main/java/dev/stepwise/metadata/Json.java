package dev.stepwise.metadata;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;

/**
 * JSON read from untrusted image text: nesting is counted before Gson sees the text (Gson recurses
 * once per level, so a file of a million brackets would overflow the stack), and values are taken
 * by kind without throwing.
 */
final class Json {
  /** Deepest nesting read; ComfyUI graphs and tool metadata stay under 10 levels. */
  static final int MAX_DEPTH = 64;

  private Json() {}

  /** Whether {@code text}, stripped, starts with '{' and ends with '}': it holds a JSON object. */
  static boolean looksLikeObject(String text) {
    if (text == null) {
      return false;
    }
    String t = text.strip();
    return t.length() >= 2 && t.charAt(0) == '{' && t.charAt(t.length() - 1) == '}';
  }

  /**
   * Parses a JSON object, or returns null when {@code text} is not one (the caller then reads it as
   * something else or names it).
   *
   * @throws MetadataException when the text nests deeper than {@link #MAX_DEPTH}
   */
  static JsonObject object(String text, String what) {
    if (!looksLikeObject(text)) {
      return null;
    }
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > MAX_DEPTH) {
          throw new MetadataException(
              "The image's "
                  + what
                  + " nests JSON deeper than "
                  + MAX_DEPTH
                  + " levels, which Stepwise does not read.");
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    try {
      JsonElement e = JsonParser.parseString(text);
      return e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (JsonParseException | StackOverflowError e) {
      return null;
    }
  }

  /** The member as an object, or null. */
  static JsonObject obj(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
  }

  /** The member as an array, or null. */
  static JsonArray arr(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e != null && e.isJsonArray() ? e.getAsJsonArray() : null;
  }

  /** A string member, or null when absent or not a string. */
  static String str(JsonObject o, String key) {
    JsonElement e = o == null ? null : o.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
        ? e.getAsString()
        : null;
  }

  /** A number, or a string holding a decimal number; null otherwise. */
  static BigDecimal num(JsonElement e) {
    if (e == null || !e.isJsonPrimitive()) {
      return null;
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (!p.isNumber() && !p.isString()) {
      return null;
    }
    String s = p.getAsString().strip();
    if (s.length() > 40) {
      return null;
    }
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException ex) {
      return null;
    }
  }

  /** A scalar as text, anything else as compact JSON; null for JSON null. */
  static String text(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    return e.isJsonPrimitive() ? e.getAsString() : e.toString();
  }
}
