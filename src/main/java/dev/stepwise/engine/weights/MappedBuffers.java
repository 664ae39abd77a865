package dev.stepwise.engine.weights;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Frees a mapped or direct buffer at once instead of when the garbage collector finds it.
 *
 * <p>A tensor's mapping stays resident (its file pages count in the process's memory) until the
 * buffer is collected, and with a mostly idle Java heap that can be never: loading a 2.1 GB fp16
 * checkpoint left the whole file mapped beside the weights made from it. {@code
 * sun.misc.Unsafe.invokeCleaner} (jdk.unsupported, Java 9 and later) unmaps or frees the buffer
 * now. The caller guarantees that nothing reads the buffer afterwards: every array made from it was
 * a copy, and the arrays that aliased it are closed. Where the method is missing, the buffer is
 * left to the collector as before.
 */
final class MappedBuffers {
  private static final Object UNSAFE;
  private static final Method INVOKE_CLEANER;

  static {
    Object unsafe = null;
    Method cleaner = null;
    try {
      Class<?> c = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = c.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      unsafe = f.get(null);
      cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      unsafe = null;
      cleaner = null;
    }
    UNSAFE = unsafe;
    INVOKE_CLEANER = cleaner;
  }

  private MappedBuffers() {}

  /** Whether {@link #release} frees buffers at once on this JVM. */
  static boolean releasesAtOnce() {
    return INVOKE_CLEANER != null;
  }

  /**
   * Unmaps (mapped) or frees (direct) {@code buffer} now; it must be the buffer the mapping or
   * allocation returned, not a slice or duplicate, and unused from here on.
   */
  static void release(ByteBuffer buffer) {
    if (INVOKE_CLEANER == null || buffer == null || !buffer.isDirect()) {
      return;
    }
    try {
      INVOKE_CLEANER.invoke(UNSAFE, buffer);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Left to the garbage collector, as without this class.
    }
  }
}
