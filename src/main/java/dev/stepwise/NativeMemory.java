package dev.stepwise;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Keeps libtorch's freed tensor memory in the process for reuse (glibc malloc tuning).
 *
 * <p>By default glibc serves every allocation above a dynamic threshold with a fresh mmap and
 * returns it on free, so each network evaluation page-faults and zero-fills its activations anew: a
 * profile of the Stable Diffusion 1.5 UNet at a 64x64 latent spent about 18% of its time in the
 * kernel's page-fault path (clear_page). Raising the mmap threshold to glibc's maximum (32 MiB) and
 * the trim threshold far above it lets freed blocks be reused; the bench measured the guided step
 * at 15.9 s instead of 31 s on the same machine. Resident memory then stays at its high-water mark
 * instead of shrinking between steps, which is what a sampling loop wants anyway. Other C libraries
 * (musl, Windows, macOS): nothing changes.
 */
public final class NativeMemory {
  /** glibc's mallopt parameter numbers (malloc.h). */
  private static final int M_TRIM_THRESHOLD = -1;

  private static final int M_MMAP_THRESHOLD = -3;

  /** glibc's largest mmap threshold on 64-bit systems: 4 MiB x sizeof(long). */
  private static final int MMAP_THRESHOLD_MAX = 32 << 20;

  private static final int TRIM_THRESHOLD = 1 << 30;

  private NativeMemory() {}

  /** Applies the tuning once; returns whether glibc accepted it. Safe to call more than once. */
  public static boolean keepFreedMemory() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
        || Boolean.getBoolean("stepwise.malloc.default")) {
      return false;
    }
    try {
      Function mallopt = NativeLibrary.getInstance("c").getFunction("mallopt");
      boolean mmap = mallopt.invokeInt(new Object[] {M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX}) == 1;
      boolean trim = mallopt.invokeInt(new Object[] {M_TRIM_THRESHOLD, TRIM_THRESHOLD}) == 1;
      return mmap && trim;
    } catch (RuntimeException | LinkageError e) {
      return false; // no glibc
    }
  }

  /**
   * Hands the C heap's free pages back to the system now (glibc malloc_trim(0), which also releases
   * whole free pages inside the heap), for when a large set of arrays has just been freed for good
   * (text encoders dropped between prompts): without it the kept blocks stay resident, and larger
   * allocations (over 32 MiB, mapped on their own) cannot reuse them. Returns false where there is
   * no glibc.
   */
  public static boolean giveBack() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return false;
    }
    try {
      NativeLibrary.getInstance("c").getFunction("malloc_trim").invokeInt(new Object[] {0});
      return true;
    } catch (RuntimeException | LinkageError e) {
      return false; // no glibc
    }
  }
}
