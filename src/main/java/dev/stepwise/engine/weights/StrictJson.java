package dev.stepwise.engine.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import dev.stepwise.engine.ModelPackException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict JSON parser for untrusted files: RFC 8259 syntax only, no duplicate object keys, no
 * trailing content, nesting bounded.
 *
 * <p>Gson's own tree parser silently keeps the last of two equal keys; a weights header or shard
 * index with a repeated key is ambiguous, so it is refused here. Numbers become {@link BigDecimal}
 * primitives, so callers can tell {@code 3} (scale 0) from {@code 3.0}.
 */
public final class StrictJson {
  /** Deepest nesting accepted; configs and headers never go beyond 4. */
  public static final int MAX_DEPTH = 64;

  /** Longest number literal accepted (a double needs about 25 characters). */
  public static final int MAX_NUMBER_CHARS = 40;

  private StrictJson() {}

  /**
   * Decodes {@code utf8} strictly and parses it as one JSON object; {@code what} names the source
   * (a file path) in the {@link ModelPackException} thrown for anything malformed.
   */
  public static JsonObject parseObject(byte[] utf8, String what) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString();
    } catch (CharacterCodingException e) {
      throw new ModelPackException(what + " is not valid UTF-8 text.", e);
    }
    return parseObject(text, what);
  }

  /** Parses {@code text} as one JSON object, see {@link #parseObject(byte[], String)}. */
  public static JsonObject parseObject(String text, String what) {
    JsonElement root = parse(text, what);
    if (!root.isJsonObject()) {
      throw new ModelPackException(what + " must hold a JSON object, not " + kind(root) + ".");
    }
    return root.getAsJsonObject();
  }

  /** Parses {@code text} as one JSON value with the rules in the class comment. */
  public static JsonElement parse(String text, String what) {
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      reader.setNestingLimit(MAX_DEPTH);
      JsonElement value = read(reader, what, 0);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new ModelPackException(what + " has content after the end of its JSON value.");
      }
      return value;
    } catch (MalformedJsonException | IllegalStateException | NumberFormatException e) {
      throw new ModelPackException(what + " is not valid JSON (" + firstLine(e) + ").", e);
    } catch (IOException e) {
      throw new ModelPackException(what + " is not valid JSON (" + firstLine(e) + ").", e);
    }
  }

  /** A short word for the JSON kind of {@code e}, for messages: object, array, string, .... */
  public static String kind(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return "null";
    }
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "an array";
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (p.isString()) {
      return "a string";
    }
    return p.isNumber() ? "a number" : "a boolean";
  }

  private static JsonElement read(JsonReader reader, String what, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new ModelPackException(what + " nests deeper than " + MAX_DEPTH + " levels.");
    }
    JsonToken token = reader.peek();
    switch (token) {
      case BEGIN_OBJECT:
        {
          JsonObject object = new JsonObject();
          reader.beginObject();
          while (reader.hasNext()) {
            String key = reader.nextName();
            if (object.has(key)) {
              throw new ModelPackException(
                  what + " repeats the key \"" + shorten(key) + "\"; each key may appear once.");
            }
            object.add(key, read(reader, what, depth + 1));
          }
          reader.endObject();
          return object;
        }
      case BEGIN_ARRAY:
        {
          JsonArray array = new JsonArray();
          reader.beginArray();
          while (reader.hasNext()) {
            array.add(read(reader, what, depth + 1));
          }
          reader.endArray();
          return array;
        }
      case STRING:
        return new JsonPrimitive(reader.nextString());
      case NUMBER:
        {
          String digits = reader.nextString();
          if (digits.length() > MAX_NUMBER_CHARS) {
            throw new ModelPackException(
                what
                    + " has a number literal of "
                    + digits.length()
                    + " characters; at most "
                    + MAX_NUMBER_CHARS
                    + " are allowed.");
          }
          return new JsonPrimitive(new BigDecimal(digits));
        }
      case BOOLEAN:
        return new JsonPrimitive(reader.nextBoolean());
      case NULL:
        reader.nextNull();
        return JsonNull.INSTANCE;
      default:
        throw new ModelPackException(what + " is not valid JSON (unexpected " + token + ").");
    }
  }

  /** {@code s} cut to 120 characters with an ellipsis, for quoting untrusted text in messages. */
  public static String shorten(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  private static String firstLine(Exception e) {
    String m =
        String.valueOf(e.getMessage())
            .replace(
                "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
                "malformed JSON");
    int nl = m.indexOf('\n');
    return shorten(nl < 0 ? m : m.substring(0, nl));
  }
}
