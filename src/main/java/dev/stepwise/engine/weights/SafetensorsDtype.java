package dev.stepwise.engine.weights;

import java.util.Locale;

/**
 * The element types a safetensors header may name, with their storage size in bits.
 *
 * <p>The list follows huggingface/safetensors safetensors/src/tensor.rs {@code enum Dtype}
 * (including the newer sub-byte F4/F6 and the F8_E8M0 and C64 kinds). Every one is recognised when
 * a file is opened, so the byte lengths of all tensors can be validated; only {@link #readable()}
 * kinds can be loaded.
 */
public enum SafetensorsDtype {
  BOOL(8, false),
  F4(4, false),
  F6_E2M3(6, false),
  F6_E3M2(6, false),
  U8(8, false),
  I8(8, false),
  F8_E5M2(8, false),
  F8_E4M3(8, false),
  F8_E8M0(8, false),
  I16(16, false),
  U16(16, false),
  F16(16, true),
  BF16(16, true),
  I32(32, true),
  U32(32, false),
  F32(32, true),
  F64(64, false),
  C64(64, false),
  I64(64, true),
  U64(64, false);

  private final int bits;
  private final boolean readable;

  SafetensorsDtype(int bits, boolean readable) {
    this.bits = bits;
    this.readable = readable;
  }

  /** Storage size of one element in bits (4 and 6 for the packed sub-byte kinds). */
  public int bits() {
    return bits;
  }

  /**
   * Whether Stepwise can load this kind as FLOAT32: F32, F16 and BF16, plus I32 and I64 (converted
   * exactly where the value fits a float's 24-bit mantissa, rounded otherwise).
   */
  public boolean readable() {
    return readable;
  }

  /**
   * The number of bytes {@code numel} elements occupy, or -1 when that overflows a long or the
   * packed bits do not fill whole bytes.
   */
  public long byteLength(long numel) {
    long totalBits;
    try {
      totalBits = Math.multiplyExact(numel, (long) bits);
    } catch (ArithmeticException e) {
      return -1;
    }
    return totalBits % 8 == 0 ? totalBits / 8 : -1;
  }

  /** The kind whose safetensors spelling is {@code text} (exact, upper case), or null. */
  public static SafetensorsDtype fromHeader(String text) {
    if (text == null || !text.equals(text.toUpperCase(Locale.ROOT))) {
      return null;
    }
    for (SafetensorsDtype d : values()) {
      if (d.name().equals(text)) {
        return d;
      }
    }
    return null;
  }
}
