package dev.stepwise.engine.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.ModelPackException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened for reading, its whole header validated before any tensor is used.
 *
 * <p>Layout (huggingface/safetensors README.md): an 8-byte little-endian header length N, N bytes
 * of UTF-8 JSON, then the data block. Each tensor is mapped on its own with {@link FileChannel#map}
 * when loaded, so files of any size work (each single tensor must stay under 2 GiB, a limit of
 * {@link MappedByteBuffer}); loaded arrays are copies that own their memory, never views of the
 * mapping (in-place operations on a read-only mapped tensor crash the JVM), and each mapping is
 * released as soon as its copy exists ({@link MappedBuffers}).
 *
 * <p>Thread-safe: loads may run concurrently. {@link #close()} releases the file handle.
 */
public final class SafetensorsFile implements TensorSource {
  /** The largest header accepted, as upstream's MAX_HEADER_SIZE. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private final Path path;
  private final String origin;
  private final FileChannel channel;
  private final long fileSize;
  private final long dataStart;
  private final SafetensorsHeader header;
  private volatile boolean closed;

  private SafetensorsFile(
      Path path,
      String origin,
      FileChannel channel,
      long fileSize,
      long dataStart,
      SafetensorsHeader header) {
    this.path = path;
    this.origin = origin;
    this.channel = channel;
    this.fileSize = fileSize;
    this.dataStart = dataStart;
    this.header = header;
  }

  /** Opens and validates {@code file}; messages name it by its path. */
  public static SafetensorsFile open(Path file) {
    return open(file, file.toString());
  }

  /**
   * Opens and validates {@code file}, naming it {@code origin} in messages and {@link #origin()}.
   * Throws {@link ModelPackException} for a missing, unreadable or malformed file.
   */
  public static SafetensorsFile open(Path file, String origin) {
    String where = "safetensors file " + origin;
    if (Files.isDirectory(file)) {
      throw new ModelPackException(where + " is a folder, not a file.");
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      // Opening a named pipe would block until something writes to it; a device may never end.
      throw new ModelPackException(
          where + " is a named pipe, device or socket, not a regular file.");
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new ModelPackException(where + " does not exist.", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new ModelPackException(
          where + " cannot be opened: permission denied (check the file's owner and mode).", e);
    } catch (IOException | SecurityException e) {
      throw new ModelPackException(where + " cannot be opened (" + e.getMessage() + ").", e);
    }
    try {
      long size = channel.size();
      if (size < 8) {
        throw new ModelPackException(
            where
                + " is "
                + size
                + " bytes long; a safetensors file has at least an 8-byte"
                + " header length.");
      }
      ByteBuffer lengthBytes = readFully(channel, 0, 8, where).order(ByteOrder.LITTLE_ENDIAN);
      long n = lengthBytes.getLong(0); // u64; negative here means >= 2^63, caught below
      if (n < 0 || n > MAX_HEADER_BYTES) {
        throw new ModelPackException(
            where
                + ": header length "
                + Long.toUnsignedString(n)
                + " exceeds the limit of "
                + MAX_HEADER_BYTES
                + " bytes.");
      }
      if (n > size - 8) {
        throw new ModelPackException(
            where
                + ": header length "
                + n
                + " is larger than the "
                + (size - 8)
                + " bytes that follow it; the file is truncated or not a safetensors file.");
      }
      ByteBuffer json = readFully(channel, 8, (int) n, where);
      byte[] jsonBytes = new byte[(int) n];
      json.get(jsonBytes);
      SafetensorsHeader header = SafetensorsHeader.parse(jsonBytes, size - 8 - n, origin);
      return new SafetensorsFile(file, origin, channel, size, 8 + n, header);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new ModelPackException(where + " cannot be read (" + e.getMessage() + ").", e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /** The file this reads. */
  public Path path() {
    return path;
  }

  @Override
  public String origin() {
    return origin;
  }

  /** The file offset where the data block starts: 8 + header length. */
  public long dataStart() {
    return dataStart;
  }

  /** Every tensor name, iterating in data-offset order. */
  @Override
  public Set<String> names() {
    return header.entries().keySet();
  }

  /** Every entry in data-offset order. */
  public List<SafetensorsEntry> entries() {
    return new ArrayList<>(header.entries().values());
  }

  /** The header entry for {@code name}, or null. */
  public SafetensorsEntry entry(String name) {
    return header.entries().get(name);
  }

  /** The {@code __metadata__} map (unmodifiable, empty when the file has none). */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  @Override
  public long[] shape(String name) {
    SafetensorsEntry e = header.entries().get(name);
    return e == null ? null : e.shape();
  }

  /**
   * Loads {@code name} as a FLOAT32 array owned by {@code manager}. F32 is mapped, wrapped and
   * copied; F16 is mapped, wrapped as FLOAT16 and widened by PyTorch; BF16, I32 and I64 are
   * converted in Java. Throws {@link ModelPackException} for an absent name or another dtype.
   */
  @Override
  public NDArray load(String name, NDManager manager) {
    return read(name, manager, false);
  }

  /**
   * Loads {@code name} in its stored precision where DJL can hold it: F16 as FLOAT16 (a copy of the
   * mapping), BF16 as FLOAT16 when every element converts exactly (checked in Java; DJL's own BF16
   * path aborts the JVM), else as {@link #load}.
   */
  @Override
  public NDArray loadStored(String name, NDManager manager) {
    return read(name, manager, true);
  }

  private NDArray read(String name, NDManager manager, boolean stored) {
    SafetensorsEntry e = readableEntry(name);
    Shape shape = new Shape(e.shape());
    if (e.numel() == 0) {
      return manager.zeros(shape, DataType.FLOAT32);
    }
    if (e.dtype() == SafetensorsDtype.F32 || e.dtype() == SafetensorsDtype.F16) {
      MappedByteBuffer mapped = map(e);
      try {
        DataType type = e.dtype() == SafetensorsDtype.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
        // The view aliases the read-only mapping: copy it into memory the array owns, then drop it.
        // Measured on DJL 0.36 / PyTorch 2.7.1: duplicate() copies, but toType(FLOAT32, true) of a
        // FLOAT32 view returns another alias of the same bytes (SafetensorsFileTest pins both).
        try (NDArray view = manager.create(mapped, shape, type)) {
          return type == DataType.FLOAT32 || stored
              ? view.duplicate()
              : view.toType(DataType.FLOAT32, false);
        }
      } catch (ai.djl.engine.EngineException | IllegalArgumentException ex) {
        throw new ModelPackException(
            "safetensors file "
                + origin
                + ": tensor \""
                + StrictJson.shorten(name)
                + "\" could not be loaded ("
                + ex.getMessage()
                + ").",
            ex);
      } finally {
        // No array aliases the mapping any more: unmap it now rather than at some later garbage
        // collection, so the file's pages do not stay resident beside the copies.
        MappedBuffers.release(mapped);
      }
    }
    if (stored && e.dtype() == SafetensorsDtype.BF16) {
      NDArray half = bf16AsHalf(e, shape, manager);
      if (half != null) {
        return half;
      }
    }
    return converted(e, shape, manager);
  }

  /** Elements converted per chunk by {@link #converted} (16 MiB of FLOAT32). */
  private static final int CONVERT_CHUNK = 1 << 22;

  /**
   * A tensor converted in Java (BF16, I32, I64) as a FLOAT32 array whose memory libtorch owns:
   * converted a chunk at a time into one direct buffer, each chunk copied into the result, the
   * buffer freed at the end. An array that wraps a Java buffer does not own its memory: a view of
   * it (a checkpoint's squeezed 1x1 kernel) outlived the buffer once the wrapping array was closed
   * and collected, and read freed memory (NaN images from a BF16 checkpoint, now and then).
   */
  private NDArray converted(SafetensorsEntry e, Shape shape, NDManager manager) {
    long n = e.numel();
    int chunk = (int) Math.min(n, CONVERT_CHUNK);
    MappedByteBuffer mapped = map(e);
    ByteBuffer buffer = ByteBuffer.allocateDirect(4 * chunk).order(ByteOrder.nativeOrder());
    NDArray out = manager.create(shape, DataType.FLOAT32); // every element is written below
    try (NDArray flat = out.reshape(n)) { // [n], a view of out
      ByteBuffer in = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer floats = buffer.asFloatBuffer();
      for (long i = 0; i < n; i += chunk) {
        int len = (int) Math.min(chunk, n - i);
        copyFloats(e, in, i, floats, len);
        try (NDArray part =
            manager.create(buffer.slice(0, 4 * len), new Shape(len), DataType.FLOAT32)) {
          flat.set(new NDIndex("{}:{}", i, i + len), part); // out[i : i + len] = part, a copy
        }
      }
    } catch (RuntimeException ex) {
      out.close();
      throw ex;
    } finally {
      MappedBuffers.release(mapped);
      MappedBuffers.release(buffer);
    }
    return out;
  }

  /**
   * BF16 tensor {@code e} as a FLOAT16 array when every element has the same value in FLOAT16
   * (BF16's 7 mantissa bits fit in FLOAT16's 10; only values beyond FLOAT16's exponent range do
   * not), else null. NaN stays NaN.
   */
  private NDArray bf16AsHalf(SafetensorsEntry e, Shape shape, NDManager manager) {
    int numel = (int) e.numel(); // at most 2^30: map() refuses tensors over 2 GiB
    MappedByteBuffer mapped = map(e);
    ByteBuffer half = ByteBuffer.allocateDirect(2 * numel).order(ByteOrder.LITTLE_ENDIAN);
    try {
      ByteBuffer in = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < numel; i++) {
        float v = HalfFloats.bf16ToFloat(in.getShort(2 * i));
        short h = HalfFloats.floatToF16(v);
        if (!Float.isNaN(v)
            && Float.floatToRawIntBits(HalfFloats.f16ToFloat(h)) != Float.floatToRawIntBits(v)) {
          return null;
        }
        half.putShort(2 * i, h);
      }
      try (NDArray view = manager.create(half, shape, DataType.FLOAT16)) {
        return view.duplicate(); // memory libtorch owns, freed when the array is closed
      }
    } finally {
      MappedBuffers.release(mapped);
      MappedBuffers.release(half);
    }
  }

  /**
   * Reads {@code name} into a Java array, converting to float (for small tensors: tests, goldens,
   * embeddings). Throws {@link ModelPackException} for an absent name, an unreadable dtype or more
   * than 2^31 - 9 elements.
   */
  public float[] readFloats(String name) {
    return readFloats(readableEntry(name));
  }

  private float[] readFloats(SafetensorsEntry e) {
    long numel = e.numel();
    if (numel > Integer.MAX_VALUE - 8) {
      throw new ModelPackException(
          "safetensors file "
              + origin
              + ": tensor \""
              + StrictJson.shorten(e.name())
              + "\" has "
              + numel
              + " elements; a Java array holds at most "
              + (Integer.MAX_VALUE - 8)
              + ".");
    }
    float[] out = new float[(int) numel];
    if (numel == 0) {
      return out;
    }
    MappedByteBuffer mapped = map(e);
    try {
      copyFloats(
          e,
          mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN),
          0,
          FloatBuffer.wrap(out),
          out.length);
    } finally {
      MappedBuffers.release(mapped); // only the copy in `out` is used from here on
    }
    return out;
  }

  /** Elements {@code [from, from + len)} of {@code e}'s little-endian bytes {@code b} as floats. */
  private static void copyFloats(
      SafetensorsEntry e, ByteBuffer b, long from, FloatBuffer out, int len) {
    int at = (int) from; // a mapped tensor is under 2 GiB, so every byte offset fits an int
    switch (e.dtype()) {
      case F32:
        for (int i = 0; i < len; i++) {
          out.put(i, b.getFloat(4 * (at + i)));
        }
        break;
      case F16:
        for (int i = 0; i < len; i++) {
          out.put(i, HalfFloats.f16ToFloat(b.getShort(2 * (at + i))));
        }
        break;
      case BF16:
        for (int i = 0; i < len; i++) {
          out.put(i, HalfFloats.bf16ToFloat(b.getShort(2 * (at + i))));
        }
        break;
      case I32:
        for (int i = 0; i < len; i++) {
          out.put(i, b.getInt(4 * (at + i)));
        }
        break;
      case I64:
        for (int i = 0; i < len; i++) {
          out.put(i, b.getLong(8 * (at + i)));
        }
        break;
      default:
        throw new IllegalStateException("An unreadable dtype passed the check: " + e.dtype() + ".");
    }
  }

  private SafetensorsEntry readableEntry(String name) {
    if (closed) {
      throw new IllegalStateException("safetensors file " + origin + " is closed.");
    }
    SafetensorsEntry e = name == null ? null : header.entries().get(name);
    if (e == null) {
      throw new ModelPackException(
          "safetensors file "
              + origin
              + " has no tensor named \""
              + StrictJson.shorten(String.valueOf(name))
              + "\".");
    }
    if (!e.dtype().readable()) {
      throw new ModelPackException(
          "safetensors file "
              + origin
              + ": tensor \""
              + StrictJson.shorten(name)
              + "\" has dtype "
              + e.dtype()
              + "; Stepwise reads F32, F16 and BF16.");
    }
    return e;
  }

  /**
   * Maps the bytes of {@code e} read-only, after checking the file was not shortened since open.
   */
  private MappedByteBuffer map(SafetensorsEntry e) {
    long length = e.byteLength();
    if (length > Integer.MAX_VALUE) {
      throw new ModelPackException(
          "safetensors file "
              + origin
              + ": tensor \""
              + StrictJson.shorten(e.name())
              + "\" is "
              + length
              + " bytes; Stepwise loads tensors of at most "
              + Integer.MAX_VALUE
              + " bytes each.");
    }
    long position = dataStart + e.begin();
    try {
      // A file shortened after open would fault (SIGBUS) inside native code: refuse instead.
      long now = channel.size();
      if (now != fileSize) {
        throw new ModelPackException(
            "safetensors file "
                + origin
                + " changed size from "
                + fileSize
                + " to "
                + now
                + " bytes while open; reopen the model.");
      }
      MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
      m.order(ByteOrder.LITTLE_ENDIAN);
      return m;
    } catch (IOException ex) {
      throw new ModelPackException(
          "safetensors file "
              + origin
              + ": tensor \""
              + StrictJson.shorten(e.name())
              + "\" cannot be read ("
              + ex.getMessage()
              + ").",
          ex);
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(channel);
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + origin + ", " + header.entries().size() + " tensors]";
  }

  private static ByteBuffer readFully(FileChannel ch, long position, int length, String where)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      int r = ch.read(buf, position + buf.position());
      if (r < 0) {
        throw new ModelPackException(where + " ended early while reading its header.");
      }
    }
    buf.flip();
    return buf;
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing to do: the handle is gone either way.
    }
  }
}
