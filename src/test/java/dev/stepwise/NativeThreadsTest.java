package dev.stepwise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.NativeLibrary;
import org.junit.jupiter.api.Test;

/**
 * GOMP_SPINCOUNT reaches the C environment libgomp reads, unless the user chose otherwise. The test
 * edits this JVM's C environment and puts it back (libgomp has read it long before).
 */
class NativeThreadsTest {
  private static final NativeLibrary C = NativeLibrary.getInstance("c");

  private static String cEnv(String name) {
    Object v = C.getFunction("getenv").invoke(String.class, new Object[] {name});
    return v == null ? null : v.toString();
  }

  private static void cSet(String name, String value) {
    if (value == null) {
      C.getFunction("unsetenv").invokeInt(new Object[] {name});
    } else {
      C.getFunction("setenv").invokeInt(new Object[] {name, value, 1});
    }
  }

  @Test
  void setsAShortSpinCountUnlessTheUserChose() {
    String policy = cEnv("OMP_WAIT_POLICY");
    String spins = cEnv("GOMP_SPINCOUNT");
    try {
      cSet("OMP_WAIT_POLICY", null);
      cSet("GOMP_SPINCOUNT", null);
      System.setProperty("stepwise.omp.default", "true");
      assertFalse(NativeThreads.shortOpenMpSpins(), "opted out: nothing is set");
      assertEquals(null, cEnv("GOMP_SPINCOUNT"));
      System.clearProperty("stepwise.omp.default");
      assertTrue(NativeThreads.shortOpenMpSpins());
      assertEquals(NativeThreads.SPIN_COUNT, cEnv("GOMP_SPINCOUNT"));
      cSet("GOMP_SPINCOUNT", "123");
      assertFalse(NativeThreads.shortOpenMpSpins(), "the user's spin count is kept");
      assertEquals("123", cEnv("GOMP_SPINCOUNT"));
      cSet("GOMP_SPINCOUNT", null);
      cSet("OMP_WAIT_POLICY", "ACTIVE");
      assertFalse(NativeThreads.shortOpenMpSpins(), "a user's wait policy is kept as it is");
      assertEquals(null, cEnv("GOMP_SPINCOUNT"));
    } finally {
      System.clearProperty("stepwise.omp.default");
      cSet("OMP_WAIT_POLICY", policy);
      cSet("GOMP_SPINCOUNT", spins);
    }
  }
}
