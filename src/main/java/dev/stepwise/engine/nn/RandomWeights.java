package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Random weights of whatever shape a model asks for, recording every request.
 *
 * <p>Matrices and kernels (rank 2 or more) are N(0, 1/sqrt(fan_in)) with fan_in the product of all
 * dimensions but the first (PyTorch's fan-in convention), so activations stay O(1) through deep
 * stacks; rank-1 tensors named {@code *.weight} (norm scales) are ones and every {@code *.bias} is
 * zero. Each tensor is drawn from libtorch's generator seeded with a mix of the seed and the key,
 * so values do not depend on load order (this resets libtorch's global seed as a side effect).
 *
 * <p>Layer weights ({@link Parameters#weight}) are FLOAT16 as in an fp16 file, unless {@link
 * #float32()}.
 *
 * <p>{@link #shapesOnly()} allocates nothing per tensor (a broadcast view of one zero), which lets
 * tests count the parameters of a full-size model without gigabytes of memory.
 */
public final class RandomWeights {
  private final long seed;
  private final boolean materialize;
  private final boolean halfWeights;
  private final Map<String, long[]> requested = Collections.synchronizedMap(new LinkedHashMap<>());

  private RandomWeights(long seed, boolean materialize, boolean halfWeights) {
    this.seed = seed;
    this.materialize = materialize;
    this.halfWeights = halfWeights;
  }

  /** Random weights drawn from {@code seed}. */
  public static RandomWeights seeded(long seed) {
    return new RandomWeights(seed, true, true);
  }

  /** The same with FLOAT32 layer weights (an fp32 file); a new, empty record. */
  public RandomWeights float32() {
    return new RandomWeights(seed, materialize, false);
  }

  /** Zero-cost placeholders (broadcast zeros) that only record the requested shapes. */
  public static RandomWeights shapesOnly() {
    return new RandomWeights(0, false, false);
  }

  /** Every (key, shape) requested so far, in request order (an unmodifiable copy). */
  public Map<String, long[]> requested() {
    synchronized (requested) {
      return Collections.unmodifiableMap(new LinkedHashMap<>(requested));
    }
  }

  /** The number of scalars over every requested tensor. */
  public long parameterCount() {
    long n = 0;
    for (long[] shape : requested().values()) {
      n += new Shape(shape).size();
    }
    return n;
  }

  /** The standard deviation used for {@code key} of {@code shape}; 0 means a constant. */
  static double stdFor(String key, long[] shape) {
    if (shape.length >= 2) {
      long fanIn = 1;
      for (int i = 1; i < shape.length; i++) {
        fanIn *= shape[i];
      }
      return 1.0 / Math.sqrt(Math.max(1, fanIn));
    }
    return 0;
  }

  /** The tensor for {@code key}; a layer weight ({@code stored}) FLOAT16 unless float32(). */
  NDArray create(String key, long[] shape, NDManager manager, boolean stored) {
    requested.put(key, shape.clone());
    Shape s = new Shape(shape);
    DataType type = stored && halfWeights ? DataType.FLOAT16 : DataType.FLOAT32;
    if (!materialize) {
      long[] ones = new long[shape.length];
      java.util.Arrays.fill(ones, 1);
      return manager.zeros(new Shape(ones)).broadcast(s); // [shape] zero-stride view
    }
    double std = stdFor(key, shape);
    if (std > 0) {
      long mixed = seed * 0x9E3779B97F4A7C15L + key.hashCode();
      manager.getEngine().setRandomSeed((int) (mixed ^ (mixed >>> 32)));
      if (type == DataType.FLOAT32) {
        return manager.randomNormal(0f, (float) std, s, type);
      }
      return halfNormal(manager, (float) std, s); // [shape] FLOAT16
    }
    boolean normScale = key.endsWith("weight");
    return normScale ? manager.ones(s, type) : manager.zeros(s, type);
  }

  /** N(0, std) in FLOAT16 by 2^20 draws (whole FLOAT32 draws left 0.2 GB of C heap holes). */
  private static NDArray halfNormal(NDManager manager, float std, Shape s) {
    NDArray half = manager.create(s, DataType.FLOAT16); // [shape], all written below
    try (NDArray flat = half.reshape(s.size())) { // [n], a view
      for (long i = 0; i < s.size(); i += 1 << 20) {
        long end = Math.min(s.size(), i + (1 << 20));
        try (NDArray part = manager.randomNormal(0f, std, new Shape(end - i), DataType.FLOAT32)) {
          flat.set(new NDIndex("{}:{}", i, end), part);
        }
      }
    }
    return half;
  }

  Parameters.Source asSource() {
    return new Parameters.Source() {
      @Override
      public String origin() {
        return "random weights";
      }

      @Override
      public boolean has(String key) {
        return true;
      }

      @Override
      public long[] shape(String key) {
        return null;
      }

      @Override
      public NDArray load(String key, long[] expectedShape, NDManager manager, boolean stored) {
        return create(key, expectedShape, manager, stored);
      }

      @Override
      public Set<String> names() {
        return requested().keySet();
      }
    };
  }
}
