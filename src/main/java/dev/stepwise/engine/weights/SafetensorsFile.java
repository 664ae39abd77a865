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
 * released as soon as its copy exists ({@link #release}).
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

  /** As {@link TensorSource#loadStored}: F16, and BF16 exact in FLOAT16, as FLOAT16 copies. */
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
        release(mapped);
      }
    }
    boolean half = stored && e.dtype() == SafetensorsDtype.BF16 && exactInHalf(e);
    return converted(e, shape, manager, half ? DataType.FLOAT16 : DataType.FLOAT32);
  }

  /**
   * A tensor converted in Java (BF16, I32, I64) into a {@code type} array owning its memory, by
   * chunks through one direct buffer. (A wrapped Java buffer is not owned: a view of it, a BF16
   * checkpoint's squeezed 1x1 kernel, read freed memory once the wrapper was collected.)
   */
  private NDArray converted(SafetensorsEntry e, Shape shape, NDManager manager, DataType type) {
    long n = e.numel();
    int chunk = (int) Math.min(n, 1 << 22);
    int bytes = type.getNumOfBytes();
    MappedByteBuffer mapped = map(e);
    ByteBuffer buffer = ByteBuffer.allocateDirect(bytes * chunk).order(ByteOrder.nativeOrder());
    NDArray out = manager.create(shape, type); // every element is written below
    try (NDArray flat = out.reshape(n)) { // [n], a view of out
      ByteBuffer in = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < n; i += chunk) {
        int len = (int) Math.min(chunk, n - i);
        for (int k = 0; k < len; k++) {
          float v = element(e, in, i + k);
          if (bytes == 2) {
            buffer.putShort(2 * k, HalfFloats.floatToF16(v));
          } else {
            buffer.putFloat(4 * k, v);
          }
        }
        try (NDArray part = manager.create(buffer.slice(0, bytes * len), new Shape(len), type)) {
          flat.set(new NDIndex("{}:{}", i, i + len), part); // out[i : i + len] = part, a copy
        }
      }
    } catch (RuntimeException ex) {
      out.close();
      throw ex;
    } finally {
      release(mapped);
      release(buffer);
    }
    return out;
  }

  /** Whether every element of {@code e} is exact in FLOAT16 (NaN aside). */
  private boolean exactInHalf(SafetensorsEntry e) {
    MappedByteBuffer mapped = map(e);
    try {
      ByteBuffer in = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < e.numel(); i++) {
        float v = element(e, in, i);
        if (!Float.isNaN(v) && HalfFloats.f16ToFloat(HalfFloats.floatToF16(v)) != v) {
          return false;
        }
      }
      return true;
    } finally {
      release(mapped);
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
      ByteBuffer in = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < out.length; i++) {
        out[i] = element(e, in, i);
      }
    } finally {
      release(mapped);
    }
    return out;
  }

  /** Element {@code i} of {@code e}'s bytes {@code b} as a float. */
  private static float element(SafetensorsEntry e, ByteBuffer b, long i) {
    int at = (int) i; // a mapped tensor is under 2 GiB, so every byte offset fits an int
    return switch (e.dtype()) {
      case F32 -> b.getFloat(4 * at);
      case F16 -> HalfFloats.f16ToFloat(b.getShort(2 * at));
      case BF16 -> HalfFloats.bf16ToFloat(b.getShort(2 * at));
      case I32 -> b.getInt(4 * at);
      case I64 -> b.getLong(8 * at);
      default ->
          throw new IllegalStateException(
              "An unreadable dtype passed the check: " + e.dtype() + ".");
    };
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

  private static final Object[] CLEANER = cleaner(); // {Unsafe, invokeCleaner}, or null

  private static Object[] cleaner() {
    try {
      Class<?> c = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = c.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return new Object[] {f.get(null), c.getMethod("invokeCleaner", ByteBuffer.class)};
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Unmaps or frees {@code buffer} (never read again) now, not at some garbage collection: a 2.1 GB
   * checkpoint stayed mapped (resident) beside its copies. Unsafe.invokeCleaner, if present.
   */
  private static void release(ByteBuffer buffer) {
    try {
      if (CLEANER != null) {
        ((java.lang.reflect.Method) CLEANER[1]).invoke(CLEANER[0], buffer);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // left to the garbage collector
    }
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
