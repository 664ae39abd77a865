package dev.stepwise.engine.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.ModelPackException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Bounded, validated reading of tokenizer files (they are untrusted): size cap before reading,
 * strict UTF-8, JSON parse errors and wrong field types turned into {@link ModelPackException}.
 */
final class TokenizerFiles {
  /** No tokenizer file may exceed this many bytes (CLIP's tokenizer.json is about 3.5 MB). */
  static final long MAX_FILE_BYTES = 64L << 20;

  /** Smallest and largest encoder window accepted. */
  static final int MIN_WINDOW = 2;

  static final int MAX_WINDOW = 8192;

  /** Largest token id accepted from a file (2^24 - 1, far above any text-encoder vocabulary). */
  static final int MAX_TOKEN_ID = (1 << 24) - 1;

  private TokenizerFiles() {}

  /** Checks an encoder window requested by a caller. */
  static int checkWindow(int maxLength) {
    if (maxLength < MIN_WINDOW || maxLength > MAX_WINDOW) {
      throw new EngineException(
          "Tokenizer maxLength "
              + maxLength
              + " is not allowed; it must lie between "
              + MIN_WINDOW
              + " and "
              + MAX_WINDOW
              + ".");
    }
    return maxLength;
  }

  /** Reads a whole UTF-8 text file after checking that it exists and is at most 64 MiB. */
  static String readText(Path file) {
    if (file == null || !Files.isRegularFile(file)) {
      throw new ModelPackException("Tokenizer file " + file + " does not exist or is not a file.");
    }
    try {
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new ModelPackException(
            "Tokenizer file "
                + file
                + " is "
                + size
                + " bytes; at most "
                + MAX_FILE_BYTES
                + " bytes are allowed.");
      }
      byte[] bytes = Files.readAllBytes(file);
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ModelPackException("Tokenizer file " + file + " is not valid UTF-8 text.", e);
    } catch (IOException e) {
      throw new ModelPackException("Tokenizer file " + file + " cannot be read.", e);
    }
  }

  /** Reads a file whose top level must be a JSON object. */
  static JsonObject readJsonObject(Path file) {
    String text = readText(file);
    JsonElement root;
    try {
      root = JsonParser.parseString(text);
    } catch (JsonParseException | IllegalStateException e) {
      throw new ModelPackException("Tokenizer file " + file + " is not valid JSON.", e);
    }
    if (!root.isJsonObject()) {
      throw new ModelPackException("Tokenizer file " + file + " must hold a JSON object.");
    }
    return root.getAsJsonObject();
  }

  /** The member {@code name}, or null when it is absent or JSON null. */
  static JsonElement member(JsonObject object, String name) {
    JsonElement value = object == null ? null : object.get(name);
    return value == null || value.isJsonNull() ? null : value;
  }

  /** A string member, or null when absent; anything but a string is refused. */
  static String string(JsonObject object, String name, String where) {
    JsonElement value = member(object, name);
    if (value == null) {
      return null;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw new ModelPackException(where + " field \"" + name + "\" must be a string.");
    }
    return value.getAsString();
  }

  /** A boolean member, {@code fallback} when absent; anything but a boolean is refused. */
  static boolean bool(JsonObject object, String name, boolean fallback, String where) {
    JsonElement value = member(object, name);
    if (value == null) {
      return fallback;
    }
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
      throw new ModelPackException(where + " field \"" + name + "\" must be true or false.");
    }
    return value.getAsBoolean();
  }

  /** An object member, or null when absent; anything but an object is refused. */
  static JsonObject object(JsonObject object, String name, String where) {
    JsonElement value = member(object, name);
    if (value == null) {
      return null;
    }
    if (!value.isJsonObject()) {
      throw new ModelPackException(where + " field \"" + name + "\" must be a JSON object.");
    }
    return value.getAsJsonObject();
  }

  /** A JSON value that must be a token id: a whole number from 0 to {@link #MAX_TOKEN_ID}. */
  /**
   * A length (a window, a truncation limit) from 1 to {@code max}; anything else is refused naming
   * {@code what}, the value and the range.
   */
  static int length(JsonElement value, String what, int max) {
    if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
      double d = value.getAsJsonPrimitive().getAsDouble();
      if (d >= 1 && d <= max && d == Math.rint(d)) {
        return (int) d;
      }
    }
    throw new ModelPackException(
        what + " is " + value + "; a length must be a whole number from 1 to " + max + " tokens.");
  }

  static int tokenId(JsonElement value, String what) {
    if (value != null && value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
      JsonPrimitive number = value.getAsJsonPrimitive();
      double d = number.getAsDouble();
      if (d >= 0 && d <= MAX_TOKEN_ID && d == Math.rint(d)) {
        return (int) d;
      }
    }
    throw new ModelPackException(
        what
            + " is "
            + value
            + "; a token id must be a whole number from 0 to "
            + MAX_TOKEN_ID
            + ".");
  }

  /**
   * Reads a special-token entry as transformers writes it: a plain string, or an AddedToken object
   * whose {@code content} is the token; null when absent or null.
   */
  static String tokenContent(JsonObject object, String name, String where) {
    JsonElement value = member(object, name);
    if (value == null) {
      return null;
    }
    if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
      return value.getAsString();
    }
    if (value.isJsonObject()) {
      String content = string(value.getAsJsonObject(), "content", where + " " + name);
      if (content != null) {
        return content;
      }
    }
    throw new ModelPackException(
        where + " field \"" + name + "\" must be a token string or an object with \"content\".");
  }
}
