package dev.stepwise.engine.random;

/**
 * The 32-bit Mersenne Twister MT19937 (Matsumoto and Nishimura, 1998), seeded the way PyTorch's CPU
 * generator seeds it.
 *
 * <p>PyTorch's {@code at::mt19937} (ATen/core/MT19937RNGEngine.h) keeps the 64-bit seed for
 * reporting but initialises the state from its low 32 bits only with the reference recurrence
 * {@code s[j] = 1812433253 * (s[j-1] ^ (s[j-1] >>> 30)) + j}; the output stream is the reference
 * {@code genrand_int32}. All arithmetic here is 32-bit integer arithmetic, so the stream is the
 * same on every JVM.
 */
final class Mt19937 {
  private static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER_MASK = 0x80000000;
  private static final int LOWER_MASK = 0x7fffffff;

  private final int[] state = new int[N];
  private int next;

  /** Seeds the generator from the low 32 bits of {@code seed}, as torch does. */
  Mt19937(long seed) {
    state[0] = (int) seed;
    for (int j = 1; j < N; j++) {
      int prev = state[j - 1];
      state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
    }
    next = N;
  }

  /** Returns the next 32 random bits (an unsigned value held in an int). */
  int nextInt() {
    if (next >= N) {
      regenerate();
    }
    int y = state[next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void regenerate() {
    for (int k = 0; k < N; k++) {
      int y = (state[k] & UPPER_MASK) | (state[(k + 1) % N] & LOWER_MASK);
      int mag = (y & 1) != 0 ? MATRIX_A : 0;
      state[k] = state[(k + M) % N] ^ (y >>> 1) ^ mag;
    }
    next = 0;
  }
}
