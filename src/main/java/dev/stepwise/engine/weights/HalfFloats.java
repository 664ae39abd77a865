package dev.stepwise.engine.weights;

/**
 * Bit-exact conversions between float and the two 16-bit float formats safetensors stores.
 *
 * <p>F16 is IEEE 754 binary16 (1 sign, 5 exponent bits with bias 15, 10 mantissa bits). BF16 is the
 * upper half of an IEEE binary32 (1 sign, 8 exponent bits, 7 mantissa bits), so widening is a
 * 16-bit shift. Narrowing rounds to nearest, ties to even, like PyTorch's {@code
 * Tensor.to(float16)} and {@code Tensor.to(bfloat16)}. Java 17 has no {@code Float.float16ToFloat}
 * (added in Java 20).
 */
public final class HalfFloats {
  private HalfFloats() {}

  /**
   * The float whose value equals the binary16 value with bit pattern {@code bits} (low 16 bits).
   */
  public static float f16ToFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      // Infinity (mant == 0) or NaN; the NaN payload moves to the top of the float mantissa.
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      // Zero or subnormal: value = mant * 2^-24, exact in float.
      float magnitude = mant * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    // Normal: rebias the exponent from 15 to 127, widen the mantissa from 10 to 23 bits.
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** The binary16 bit pattern nearest to {@code value} (ties to even; overflow to infinity). */
  public static short floatToF16(float value) {
    int f = Float.floatToRawIntBits(value);
    int sign = (f >>> 16) & 0x8000;
    int abs = f & 0x7FFFFFFF;
    if (abs >= 0x7F800000) {
      // Infinity stays infinity; NaN stays a quiet NaN keeping the top payload bits.
      int nan = abs > 0x7F800000 ? 0x200 | ((abs >>> 13) & 0x3FF) : 0;
      return (short) (sign | 0x7C00 | nan);
    }
    if (abs >= 0x477FF000) {
      // 65520 and above round to infinity (65504 is the largest finite binary16).
      return (short) (sign | 0x7C00);
    }
    if (abs < 0x38800000) {
      // Below 2^-14: subnormal or zero, mantissa = round(|value| / 2^-24). The scaling is exact;
      // Math.rint rounds ties to even. A result of 1024 is the smallest normal, encoded the same.
      int mant = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
      return (short) (sign | mant);
    }
    int exp = (abs >>> 23) - 127 + 15;
    int mant = abs & 0x7FFFFF;
    int h = (exp << 10) | (mant >>> 13);
    int rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) {
      h++; // a carry out of the mantissa correctly bumps the exponent
    }
    return (short) (sign | h);
  }

  /** The float whose bits are {@code bits << 16}: the exact value of a BF16 element. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** The BF16 bit pattern nearest to {@code value} (ties to even; NaN stays a quiet NaN). */
  public static short floatToBf16(float value) {
    int f = Float.floatToRawIntBits(value);
    if ((f & 0x7FFFFFFF) > 0x7F800000) {
      return (short) ((f >>> 16) | 0x40);
    }
    int rounded = f + 0x7FFF + ((f >>> 16) & 1);
    return (short) (rounded >>> 16);
  }
}
