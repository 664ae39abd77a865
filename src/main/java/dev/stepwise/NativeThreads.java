package dev.stepwise;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Shortens how long libtorch's OpenMP worker threads spin while they wait for work.
 *
 * <p>libtorch's CPU kernels run on libgomp (DJL's CPU build ships it), whose idle workers spin
 * about 300,000 rounds before they sleep. On a desktop where anything else wants the CPU, the
 * spinning workers and the other program take turns on the cores and every parallel region waits
 * for a descheduled worker. Measured on this project's 2-core machine with one 20-step image of the
 * built-in model ({@code generate --steps 20}): beside two busy shell loops it took 23.2 s with
 * libgomp's default, 3.9 s with {@code GOMP_SPINCOUNT=2000} and 2.9 s with {@code
 * OMP_WAIT_POLICY=PASSIVE}; on the idle machine a guided step took 36 ms, 35 ms and 68 ms (passive
 * waiting wakes a sleeping worker for every small kernel). So Stepwise sets {@code
 * GOMP_SPINCOUNT=2000}: nearly all of the gain under load, nothing lost when idle. libgomp reads it
 * once, when libtorch loads it, so it is set in the process environment before the engine starts. A
 * user's own {@code GOMP_SPINCOUNT} or {@code OMP_WAIT_POLICY} is kept, and {@code
 * -Dstepwise.omp.default=true} leaves libgomp alone.
 */
public final class NativeThreads {
  /** Spin rounds before a waiting libgomp worker sleeps (libgomp's default is 300,000). */
  static final String SPIN_COUNT = "2000";

  private NativeThreads() {}

  /**
   * Sets GOMP_SPINCOUNT unless the user configured libgomp's waiting; returns whether the
   * environment now holds Stepwise's value.
   */
  public static boolean shortOpenMpSpins() {
    if (Boolean.getBoolean("stepwise.omp.default")) {
      return false;
    }
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
    if (os.contains("windows")) {
      return false; // no setenv; Windows builds of libtorch use their own OpenMP
    }
    try {
      NativeLibrary c = NativeLibrary.getInstance("c");
      if (getenv(c, "OMP_WAIT_POLICY") != null || getenv(c, "GOMP_SPINCOUNT") != null) {
        return false; // the user's choice
      }
      c.getFunction("setenv").invokeInt(new Object[] {"GOMP_SPINCOUNT", SPIN_COUNT, 0});
      return SPIN_COUNT.equals(getenv(c, "GOMP_SPINCOUNT"));
    } catch (RuntimeException | LinkageError e) {
      return false; // no C library to ask: libgomp's default stays
    }
  }

  private static String getenv(NativeLibrary c, String name) {
    Function getenv = c.getFunction("getenv");
    Object v = getenv.invoke(String.class, new Object[] {name});
    return v == null ? null : v.toString();
  }
}
