package dev.stepwise.engine.random;

/**
 * Bit-exact Java twin of PyTorch 1.13's {@code normal_fill_16_AVX2} for float32 on x86-64, the
 * kernel {@code torch.randn} runs on a CPU with AVX2 when the tensor has at least 16 elements.
 *
 * <p>Upstream (ATen/native/cpu/DistributionTemplates.h) turns 16 uniforms {@code u[0..15]} into 16
 * normals with Box-Muller: {@code r = sqrt(-2 log(1 - u[j]))}, {@code theta = 2 pi u[j + 8]}, then
 * {@code out[j] = r cos(theta)} and {@code out[j + 8] = r sin(theta)} for j in 0..7. The log, sin
 * and cos are not libm's: they are the Cephes-derived polynomials of avx_mathfun.h ({@code
 * log256_ps}, {@code sincos256_ps}) evaluated in float32. GCC compiled them with {@code -mfma} and
 * contracted some multiply-add pairs into fused multiply-adds; the exact set was read from the
 * disassembly of Debian's libtorch_cpu.so 1.13.1 and is reproduced here with {@link
 * StrictMath#fma(float, float, float)} at exactly those places (marked "fused"). Every other
 * operation is a single IEEE float32 operation, which Java evaluates identically on every platform.
 */
final class Avx2BoxMuller {
  // avx_mathfun.h constants, as float32 (values checked against the library's .rodata).
  private static final float SQRTHF = 0.707106781186547524f;
  private static final float[] LOG_P = {
    7.0376836292E-2f,
    -1.1514610310E-1f,
    1.1676998740E-1f,
    -1.2420140846E-1f,
    1.4249322787E-1f,
    -1.6668057665E-1f,
    2.0000714765E-1f,
    -2.4999993993E-1f,
    3.3333331174E-1f
  };
  private static final float LOG_Q1 = -2.12194440e-4f;
  private static final float LOG_Q2 = 0.693359375f;
  private static final float MINUS_DP1 = -0.78515625f;
  private static final float MINUS_DP2 = -2.4187564849853515625e-4f;
  private static final float MINUS_DP3 = -3.77489497744594108e-8f;
  private static final float SINCOF_P0 = -1.9515295891E-4f;
  private static final float SINCOF_P1 = 8.3321608736E-3f;
  private static final float SINCOF_P2 = -1.6666654611E-1f;
  private static final float COSCOF_P0 = 2.443315711809948E-005f;
  private static final float COSCOF_P1 = -1.388731625493765E-003f;
  private static final float COSCOF_P2 = 4.166664568298827E-002f;
  private static final float FOPI = 1.27323954473516f; // 4 / pi

  /** {@code _mm256_set1_ps(2.0f * c10::pi<double>)}: 2 pi computed in double, rounded to float. */
  private static final float TWO_PI = (float) (2.0 * Math.PI);

  private Avx2BoxMuller() {}

  /**
   * Replaces {@code data[off .. off + 15]}, which holds uniforms in [0, 1), with standard normals
   * exactly as {@code normal_fill_16_AVX2} does with mean 0 and std 1.
   */
  static void fill16(float[] data, int off) {
    for (int j = 0; j < 8; j++) {
      float u1 = 1.0f - data[off + j];
      float theta = TWO_PI * data[off + j + 8];
      float radius = (float) StrictMath.sqrt(-2.0f * log(u1)); // sqrt of a float is exact-rounded
      int thetaBits = Float.floatToRawIntBits(theta);
      float sin = sin(theta, thetaBits);
      float cos = cos(theta);
      // _mm256_fmadd_ps(n, std = 1, mean = 0): fused, so -0 becomes +0 exactly as upstream.
      data[off + j] = StrictMath.fma(radius * cos, 1.0f, 0.0f);
      data[off + j + 8] = StrictMath.fma(radius * sin, 1.0f, 0.0f);
    }
  }

  /** {@code log256_ps} for one lane, with the compiled FMA contractions. */
  static float log(float in) {
    boolean invalid = in <= 0.0f; // _CMP_LE_OS against zero
    float x = Math.max(in, Float.MIN_NORMAL);
    int bits = Float.floatToRawIntBits(x);
    int imm0 = (bits >>> 23) - 0x7f;
    x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f));
    float e = (float) imm0 + 1.0f;
    boolean lessThanSqrtHalf = x < SQRTHF;
    float tmp = lessThanSqrtHalf ? x : 0.0f;
    x = x + -1.0f;
    e = e - (lessThanSqrtHalf ? 1.0f : 0.0f);
    float eq1 = e * LOG_Q1;
    x = tmp + x;
    float y = LOG_P[0];
    for (int k = 1; k < LOG_P.length; k++) {
      y = StrictMath.fma(y, x, LOG_P[k]); // fused: y * x + p_k
    }
    float z = x * x;
    y = x * y;
    y = StrictMath.fma(y, z, eq1); // fused: y * z + e * q1
    y = StrictMath.fma(-z, 0.5f, y); // fused: y - z * 0.5
    x = x + y;
    x = StrictMath.fma(e, LOG_Q2, x); // fused: x + e * q2
    if (invalid) {
      return Float.NaN; // upstream ORs an all-ones mask in, which is a NaN
    }
    return x;
  }

  /** The sine half of {@code sincos256_ps} for one lane. */
  static float sin(float theta, int thetaBits) {
    Reduced r = reduce(theta);
    int signSin = (thetaBits & 0x80000000) ^ ((r.j & 4) << 29);
    float ysin = r.polyMaskSin ? r.y2 : r.y1;
    float other = 0.0f; // the masked-out polynomial contributes +0 in the select-by-add
    float v = ysin + other;
    return Float.intBitsToFloat(Float.floatToRawIntBits(v) ^ signSin);
  }

  /** The cosine half of {@code sincos256_ps} for one lane. */
  static float cos(float theta) {
    Reduced r = reduce(theta);
    int signCos = (~(r.j - 2) & 4) << 29;
    // upstream: (y2 - ysin2) + (y1 - ysin1), which keeps the polynomial the sine did not take
    float a = r.polyMaskSin ? r.y2 - r.y2 : r.y2;
    float b = r.polyMaskSin ? r.y1 : r.y1 - r.y1;
    float v = a + b;
    return Float.intBitsToFloat(Float.floatToRawIntBits(v) ^ signCos);
  }

  private record Reduced(int j, boolean polyMaskSin, float y1, float y2) {}

  /** Range reduction and both polynomials of {@code sincos256_ps}, with the compiled fusions. */
  private static Reduced reduce(float theta) {
    float x = Math.abs(theta);
    int j = (int) (x * FOPI); // cvttps2dq truncates
    j = (j + 1) & ~1;
    float y = (float) j;
    boolean polyMaskSin = (j & 2) == 0;
    x = StrictMath.fma(y, MINUS_DP1, x); // fused
    x = StrictMath.fma(y, MINUS_DP2, x); // fused
    x = StrictMath.fma(y, MINUS_DP3, x); // fused
    float z = x * x;
    float half = z * 0.5f;
    float y1 = StrictMath.fma(COSCOF_P0, z, COSCOF_P1); // fused
    y1 = StrictMath.fma(z, y1, COSCOF_P2); // fused
    y1 = z * y1;
    y1 = StrictMath.fma(y1, z, -half); // fused: y1 * z - z * 0.5
    y1 = y1 + 1.0f;
    float y2 = StrictMath.fma(SINCOF_P0, z, SINCOF_P1); // fused
    y2 = StrictMath.fma(z, y2, SINCOF_P2); // fused
    y2 = z * y2;
    y2 = StrictMath.fma(y2, x, x); // fused: y2 * x + x
    return new Reduced(j, polyMaskSin, y1, y2);
  }
}
