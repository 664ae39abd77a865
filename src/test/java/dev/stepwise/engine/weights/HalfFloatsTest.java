package dev.stepwise.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

  /** Naive twin: the binary16 value from its definition (IEEE 754-2008 section 3.4). */
  private static double f16ByDefinition(int h) {
    int sign = (h >>> 15) & 1;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    double magnitude;
    if (exp == 0x1F) {
      magnitude = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
    } else if (exp == 0) {
      magnitude = mant * Math.pow(2, -24);
    } else {
      magnitude = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
    }
    return sign == 1 ? -magnitude : magnitude;
  }

  @Test
  void f16DecodeMatchesTheDefinitionForAllPatterns() {
    for (int h = 0; h < 0x10000; h++) {
      float got = HalfFloats.f16ToFloat((short) h);
      double want = f16ByDefinition(h);
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(got), "pattern " + Integer.toHexString(h));
      } else {
        assertEquals(
            Double.doubleToLongBits(want),
            Double.doubleToLongBits(got),
            "pattern " + Integer.toHexString(h));
      }
    }
  }

  @Test
  void f16DecodeMatchesPyTorchForAllPatterns() {
    ByteBuffer b = ByteBuffer.allocateDirect(2 * 0x10000).order(ByteOrder.LITTLE_ENDIAN);
    for (int h = 0; h < 0x10000; h++) {
      b.putShort((short) h);
    }
    b.flip();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray half = m.create(b, new Shape(0x10000), DataType.FLOAT16); // [65536] f16
      float[] torch = half.toType(DataType.FLOAT32, false).toFloatArray(); // [65536] f32
      for (int h = 0; h < 0x10000; h++) {
        float mine = HalfFloats.f16ToFloat((short) h);
        if (Float.isNaN(torch[h])) {
          assertTrue(Float.isNaN(mine), Integer.toHexString(h));
        } else {
          assertEquals(
              Float.floatToRawIntBits(torch[h]),
              Float.floatToRawIntBits(mine),
              Integer.toHexString(h));
        }
      }
    }
  }

  @Test
  void f16EncodeRoundTripsEveryPattern() {
    for (int h = 0; h < 0x10000; h++) {
      float v = HalfFloats.f16ToFloat((short) h);
      short back = HalfFloats.floatToF16(v);
      if (Float.isNaN(v)) {
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(back)));
      } else {
        assertEquals(h, back & 0xFFFF, "pattern " + Integer.toHexString(h));
      }
    }
  }

  @Test
  void f16EncodeMatchesNearestSearchTwin() {
    // Naive twin: all finite non-negative halves in increasing order, nearest by search, ties
    // to the even pattern; 65520 and above overflow to infinity (65504 + half an ulp).
    float[] table = new float[0x7C00];
    for (int h = 0; h < table.length; h++) {
      table[h] = HalfFloats.f16ToFloat((short) h);
    }
    Random r = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      float x;
      switch (i % 4) {
        case 0 -> x = (float) (r.nextDouble() * 70000);
        case 1 -> x = (float) (r.nextDouble() * 1e-4);
        case 2 -> {
          // exact midpoints between neighbours exercise ties-to-even
          int h = r.nextInt(table.length - 1);
          x = (float) (((double) table[h] + table[h + 1]) / 2);
        }
        default -> x = Float.intBitsToFloat(r.nextInt() & 0x7FFFFFFF);
      }
      if (Float.isNaN(x)) {
        continue;
      }
      int want;
      if (x >= 65520f) {
        want = 0x7C00;
      } else {
        int idx = Arrays.binarySearch(table, x);
        if (idx >= 0) {
          want = idx;
        } else {
          int hi = -idx - 1;
          int lo = hi - 1;
          if (hi >= table.length) {
            want = lo;
          } else {
            double dLo = (double) x - table[lo];
            double dHi = (double) table[hi] - x;
            want = dLo < dHi ? lo : dHi < dLo ? hi : ((lo & 1) == 0 ? lo : hi);
          }
        }
      }
      assertEquals(want, HalfFloats.floatToF16(x) & 0xFFFF, "x=" + x);
      assertEquals(want | 0x8000, HalfFloats.floatToF16(-x) & 0xFFFF, "x=-" + x);
    }
  }

  @Test
  void bf16ValuesByHand() {
    // 0x3F80 -> bits 0x3F800000 = 1.0; 0xC000 -> -2.0; 0x3FC0 -> 1.5; 0x7F80 -> +inf;
    // 0x0001 -> smallest subnormal 2^-133; 0x4049 -> 0x40490000 = 3.140625.
    assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
    assertEquals(-2.0f, HalfFloats.bf16ToFloat((short) 0xC000));
    assertEquals(1.5f, HalfFloats.bf16ToFloat((short) 0x3FC0));
    assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bf16ToFloat((short) 0x7F80));
    assertEquals(0x1p-133f, HalfFloats.bf16ToFloat((short) 0x0001));
    assertEquals(3.140625f, HalfFloats.bf16ToFloat((short) 0x4049));
    // pi = 0x40490FDB rounds down to 0x4049; 1 + 2^-8 (0x3F808000) is a tie and goes to even
    // 0x3F80; 1 + 3*2^-8 (0x3F818000) is a tie and goes to even 0x3F82.
    assertEquals(0x4049, HalfFloats.floatToBf16((float) Math.PI) & 0xFFFF);
    assertEquals(0x3F80, HalfFloats.floatToBf16(1 + 0x1p-8f) & 0xFFFF);
    assertEquals(0x3F82, HalfFloats.floatToBf16(1 + 3 * 0x1p-8f) & 0xFFFF);
    assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
    assertEquals(0x7F80, HalfFloats.floatToBf16(Float.MAX_VALUE) & 0xFFFF);
  }
}
