package dev.stepwise.engine.weights;

import com.google.gson.stream.JsonWriter;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.files.AtomicWrite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects tensors in memory and writes them as one valid safetensors file, atomically.
 *
 * <p>The layout matches what huggingface/safetensors {@code serialize_to_file} produces: tensors
 * ordered by element size (largest first, which keeps every tensor aligned to its element size)
 * then by name, so the same input always gives the same bytes; {@code __metadata__} first in the
 * header; the header padded with spaces to a multiple of 8 bytes. The file is written to a
 * temporary sibling and moved into place, so readers never see half a file.
 */
public final class SafetensorsWriter {
  private final Map<String, Pending> tensors = new TreeMap<>();
  private final Map<String, String> metadata = new TreeMap<>();

  private record Pending(SafetensorsDtype dtype, long[] shape, byte[] data) {}

  /** Adds {@code values} stored as F32. */
  public SafetensorsWriter putF32(String name, long[] shape, float[] values) {
    ByteBuffer b = buffer(name, shape, values.length, 4);
    b.asFloatBuffer().put(values);
    return put(name, SafetensorsDtype.F32, shape, b.array());
  }

  /** Adds {@code values} stored as F16, each rounded to nearest (ties to even). */
  public SafetensorsWriter putF16(String name, long[] shape, float[] values) {
    ByteBuffer b = buffer(name, shape, values.length, 2);
    for (float v : values) {
      b.putShort(HalfFloats.floatToF16(v));
    }
    return put(name, SafetensorsDtype.F16, shape, b.array());
  }

  /** Adds {@code values} stored as BF16, each rounded to nearest (ties to even). */
  public SafetensorsWriter putBf16(String name, long[] shape, float[] values) {
    ByteBuffer b = buffer(name, shape, values.length, 2);
    for (float v : values) {
      b.putShort(HalfFloats.floatToBf16(v));
    }
    return put(name, SafetensorsDtype.BF16, shape, b.array());
  }

  /**
   * Adds raw little-endian element bytes of any recognised dtype (for tests of unreadable kinds).
   * The byte count must match the shape.
   */
  public SafetensorsWriter putRaw(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
    long numel = numel(name, shape);
    if (dtype.byteLength(numel) != data.length) {
      throw new IllegalArgumentException(
          "tensor "
              + name
              + ": "
              + data.length
              + " bytes given, shape "
              + Arrays.toString(shape)
              + " of "
              + dtype
              + " needs "
              + dtype.byteLength(numel));
    }
    return put(name, dtype, shape, data.clone());
  }

  /** Adds one {@code __metadata__} entry. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** The tensor names added so far, sorted. */
  public List<String> names() {
    return new ArrayList<>(tensors.keySet());
  }

  /** The complete file content. */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(out);
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * Streams the complete file content to {@code out} (the data may exceed 2 GiB in total; each
   * tensor is one array).
   */
  public void writeTo(OutputStream out) throws IOException {
    List<Map.Entry<String, Pending>> order = new ArrayList<>(tensors.entrySet());
    order.sort(
        Comparator.comparingInt((Map.Entry<String, Pending> e) -> -e.getValue().dtype().bits())
            .thenComparing(Map.Entry::getKey));
    Map<String, long[]> offsets = new LinkedHashMap<>();
    long offset = 0;
    for (Map.Entry<String, Pending> e : order) {
      long end = offset + e.getValue().data().length;
      offsets.put(e.getKey(), new long[] {offset, end});
      offset = end;
    }
    byte[] header = headerJson(order, offsets).getBytes(StandardCharsets.UTF_8);
    int padded = (header.length + 7) / 8 * 8;
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.write(header);
    for (int i = header.length; i < padded; i++) {
      out.write(' ');
    }
    for (Map.Entry<String, Pending> e : order) {
      out.write(e.getValue().data());
    }
  }

  /**
   * Writes the file to {@code target} (replacing it) with the project's one atomic write ({@link
   * AtomicWrite}). Throws {@link ModelPackException} when the folder cannot be written.
   */
  public void write(Path target) {
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      AtomicWrite.write(target, this::writeTo);
    } catch (IOException e) {
      throw new ModelPackException(
          "safetensors file " + target + " cannot be written (" + e.getMessage() + ").", e);
    }
  }

  private String headerJson(List<Map.Entry<String, Pending>> order, Map<String, long[]> offsets) {
    StringWriter sw = new StringWriter();
    try (JsonWriter w = new JsonWriter(sw)) {
      w.setHtmlSafe(false);
      w.beginObject();
      if (!metadata.isEmpty()) {
        w.name(SafetensorsHeader.METADATA_KEY).beginObject();
        for (Map.Entry<String, String> m : metadata.entrySet()) {
          w.name(m.getKey()).value(m.getValue());
        }
        w.endObject();
      }
      for (Map.Entry<String, Pending> e : order) {
        w.name(e.getKey()).beginObject();
        w.name("dtype").value(e.getValue().dtype().name());
        w.name("shape").beginArray();
        for (long d : e.getValue().shape()) {
          w.value(d);
        }
        w.endArray();
        long[] off = offsets.get(e.getKey());
        w.name("data_offsets").beginArray().value(off[0]).value(off[1]).endArray();
        w.endObject();
      }
      w.endObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing to a StringWriter failed", e);
    }
    return sw.toString();
  }

  private SafetensorsWriter put(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
    if (name == null || name.equals(SafetensorsHeader.METADATA_KEY)) {
      throw new IllegalArgumentException("tensor name " + name + " is reserved or null");
    }
    if (tensors.containsKey(name)) {
      throw new IllegalArgumentException("tensor " + name + " was already added");
    }
    tensors.put(name, new Pending(dtype, shape.clone(), data));
    return this;
  }

  private static ByteBuffer buffer(String name, long[] shape, int count, int bytesPer) {
    long numel = numel(name, shape);
    if (numel != count) {
      throw new IllegalArgumentException(
          "tensor "
              + name
              + ": "
              + count
              + " values given, shape "
              + Arrays.toString(shape)
              + " holds "
              + numel);
    }
    return ByteBuffer.allocate(Math.multiplyExact(count, bytesPer)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static long numel(String name, long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor " + name + " has a negative dimension " + d);
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
