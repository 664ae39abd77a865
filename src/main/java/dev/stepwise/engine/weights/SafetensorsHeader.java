package dev.stepwise.engine.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of a safetensors file: tensor entries in offset order and the optional
 * {@code __metadata__} map.
 *
 * <p>Validation follows huggingface/safetensors safetensors/src/tensor.rs ({@code read_metadata},
 * {@code Metadata::validate}): entries sorted by offsets must tile the data block from 0 with no
 * gap or overlap, each range must be exactly numel x element size bytes (checked without overflow),
 * and the last end plus the header must equal the file size. Stricter than upstream: duplicate keys
 * and unknown dtype strings are refused at parse time.
 */
final class SafetensorsHeader {
  static final String METADATA_KEY = "__metadata__";

  private final Map<String, SafetensorsEntry> entries;
  private final Map<String, String> metadata;

  private SafetensorsHeader(Map<String, SafetensorsEntry> entries, Map<String, String> metadata) {
    this.entries = Collections.unmodifiableMap(entries);
    this.metadata = Collections.unmodifiableMap(metadata);
  }

  /** Entries by name, iterating in data-offset order. */
  Map<String, SafetensorsEntry> entries() {
    return entries;
  }

  /** The {@code __metadata__} map, empty when absent. */
  Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Parses and validates a header.
   *
   * @param json the N header bytes (UTF-8 JSON, possibly padded with spaces)
   * @param dataLength the bytes after the header: file size - 8 - N
   * @param origin the file, for messages
   */
  static SafetensorsHeader parse(byte[] json, long dataLength, String origin) {
    String where = "safetensors file " + origin;
    if (json.length == 0 || json[0] != '{') {
      throw new ModelPackException(
          where
              + ": the header must start with '{' (a JSON object), found "
              + (json.length == 0 ? "nothing" : "byte 0x" + Integer.toHexString(json[0] & 0xFF))
              + ".");
    }
    JsonObject root = StrictJson.parseObject(json, where + " header");
    Map<String, String> metadata = new LinkedHashMap<>();
    List<SafetensorsEntry> list = new ArrayList<>();
    for (Map.Entry<String, JsonElement> kv : root.entrySet()) {
      if (kv.getKey().equals(METADATA_KEY)) {
        readMetadata(kv.getValue(), where, metadata);
      } else {
        list.add(readEntry(kv.getKey(), kv.getValue(), where));
      }
    }
    list.sort(
        Comparator.comparingLong(SafetensorsEntry::begin).thenComparingLong(SafetensorsEntry::end));
    Map<String, SafetensorsEntry> byName = new LinkedHashMap<>();
    long expected = 0;
    for (SafetensorsEntry e : list) {
      if (e.begin() > expected) {
        throw new ModelPackException(
            where
                + ": tensor \""
                + StrictJson.shorten(e.name())
                + "\" starts at data offset "
                + e.begin()
                + " but the previous tensor ends at "
                + expected
                + "; tensors must follow each other with no gap.");
      }
      if (e.begin() < expected) {
        throw new ModelPackException(
            where
                + ": tensor \""
                + StrictJson.shorten(e.name())
                + "\" starts at data offset "
                + e.begin()
                + ", inside the previous tensor (which ends at "
                + expected
                + "); tensors must not overlap.");
      }
      if (e.end() > dataLength) {
        throw new ModelPackException(
            where
                + ": tensor \""
                + StrictJson.shorten(e.name())
                + "\" ends at data offset "
                + e.end()
                + " but the file holds only "
                + dataLength
                + " data bytes after the header; the file is truncated or the header is wrong.");
      }
      expected = e.end();
      byName.put(e.name(), e);
    }
    if (expected != dataLength) {
      throw new ModelPackException(
          where
              + ": the tensors cover "
              + expected
              + " data bytes but the file has "
              + dataLength
              + " after the header; "
              + (dataLength - expected)
              + " trailing bytes are not allowed.");
    }
    return new SafetensorsHeader(byName, metadata);
  }

  private static void readMetadata(JsonElement value, String where, Map<String, String> out) {
    if (value.isJsonNull()) {
      return;
    }
    if (!value.isJsonObject()) {
      throw new ModelPackException(
          where
              + ": __metadata__ must be an object of strings, not "
              + StrictJson.kind(value)
              + ".");
    }
    for (Map.Entry<String, JsonElement> kv : value.getAsJsonObject().entrySet()) {
      JsonElement v = kv.getValue();
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
        throw new ModelPackException(
            where
                + ": __metadata__ value for \""
                + StrictJson.shorten(kv.getKey())
                + "\" must be a string, not "
                + StrictJson.kind(v)
                + ".");
      }
      out.put(kv.getKey(), v.getAsString());
    }
  }

  private static SafetensorsEntry readEntry(String name, JsonElement value, String where) {
    String tensor = where + ": tensor \"" + StrictJson.shorten(name) + "\"";
    if (!value.isJsonObject()) {
      throw new ModelPackException(
          tensor
              + " must be an object with dtype, shape and data_offsets, not "
              + StrictJson.kind(value)
              + ".");
    }
    JsonObject o = value.getAsJsonObject();
    JsonElement dtypeJson = o.get("dtype");
    if (dtypeJson == null
        || !dtypeJson.isJsonPrimitive()
        || !dtypeJson.getAsJsonPrimitive().isString()) {
      throw new ModelPackException(tensor + " needs a \"dtype\" string such as \"F16\".");
    }
    SafetensorsDtype dtype = SafetensorsDtype.fromHeader(dtypeJson.getAsString());
    if (dtype == null) {
      throw new ModelPackException(
          tensor
              + " has unknown dtype \""
              + StrictJson.shorten(dtypeJson.getAsString())
              + "\"; safetensors dtypes are BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16,"
              + " F32, F64, C64, F8_E4M3, F8_E5M2, F8_E8M0, F6_E2M3, F6_E3M2 and F4.");
    }
    long[] shape = longArray(o.get("shape"), tensor, "shape", -1);
    long[] offsets = longArray(o.get("data_offsets"), tensor, "data_offsets", 2);
    if (offsets[1] < offsets[0]) {
      throw new ModelPackException(
          tensor
              + " has data_offsets ["
              + offsets[0]
              + ", "
              + offsets[1]
              + "]; the end must not be before the begin.");
    }
    long numel = 1;
    for (long d : shape) {
      try {
        numel = Math.multiplyExact(numel, d);
      } catch (ArithmeticException e) {
        throw new ModelPackException(
            tensor
                + " has shape "
                + java.util.Arrays.toString(shape)
                + " whose element count overflows a 64-bit integer.");
      }
    }
    long bytes = dtype.byteLength(numel);
    if (bytes < 0) {
      throw new ModelPackException(
          tensor
              + " has shape "
              + java.util.Arrays.toString(shape)
              + " and dtype "
              + dtype
              + " whose byte length is not a whole number of bytes or overflows.");
    }
    if (offsets[1] - offsets[0] != bytes) {
      throw new ModelPackException(
          tensor
              + " has data_offsets ["
              + offsets[0]
              + ", "
              + offsets[1]
              + "] spanning "
              + (offsets[1] - offsets[0])
              + " bytes, but shape "
              + java.util.Arrays.toString(shape)
              + " of "
              + dtype
              + " needs "
              + bytes
              + " bytes.");
    }
    return new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
  }

  /** Reads an array of non-negative integer literals; {@code length} -1 means any length. */
  private static long[] longArray(JsonElement e, String tensor, String key, int length) {
    String want =
        length < 0
            ? "an array of non-negative integers"
            : "an array of " + length + " non-negative integers";
    if (e == null || !e.isJsonArray()) {
      throw new ModelPackException(
          tensor
              + " needs \""
              + key
              + "\" as "
              + want
              + ", found "
              + (e == null ? "nothing" : StrictJson.kind(e))
              + ".");
    }
    JsonArray a = e.getAsJsonArray();
    if (length >= 0 && a.size() != length) {
      throw new ModelPackException(
          tensor + " has \"" + key + "\" with " + a.size() + " values; it must be " + want + ".");
    }
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement v = a.get(i);
      long x = -1;
      if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
        BigDecimal d = v.getAsBigDecimal();
        try {
          x = d.scale() == 0 && d.signum() >= 0 ? d.longValueExact() : -1;
        } catch (ArithmeticException tooBig) {
          x = -1;
        }
      }
      if (x < 0) {
        throw new ModelPackException(
            tensor
                + " has \""
                + key
                + "\" value "
                + StrictJson.shorten(v.toString())
                + " at index "
                + i
                + "; it must be "
                + want
                + " (at most 2^63-1).");
      }
      out[i] = x;
    }
    return out;
  }
}
