package dev.stepwise.engine.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Attention;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.GroupNorm;
import dev.stepwise.engine.nn.LayerNorm;
import dev.stepwise.engine.nn.Linear;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.nn.Scope;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Times the layer calls of a {@link LayerPlan} one by one, each alone, with random weights and
 * inputs of its exact shape, through the engine's own layer classes ({@code engine.nn} Conv2d,
 * Linear, Attention, GroupNorm, LayerNorm: the same code paths, im2col included, as in the
 * network). Each distinct shape is timed once and stands for every call of that shape.
 *
 * <p>These are the bench's two uses of it: the compute peak (the best rate any of the network's own
 * counted layers reaches, so that the whole pass, which also does uncounted work, cannot exceed it)
 * and the profile (where a pass's time goes, by layer type and by block). Timed alone, a layer
 * starts with its input in whatever cache state the previous repetition left; the profile says so
 * and reports the rest of the pass as "other".
 */
public final class LayerTimer {
  private LayerTimer() {}

  /** Each fast sample lasts at least this long (calls under it are averaged). */
  static final double MIN_SAMPLE_MS = 20;

  /**
   * The times of a plan's distinct calls.
   *
   * @param calls each distinct op and how many calls of the pass share its shape
   * @param figures each distinct op's time per call, keyed by {@link LayerPlan.Op#key()}
   */
  public record Times(Map<LayerPlan.Op, Integer> calls, Map<String, Timing.Figure> figures) {

    /** The fastest rate of any timed counted op, GFLOP/s, from its fastest sample; NaN if none. */
    public double peakGflops() {
      LayerPlan.Op best = peakOp();
      return best == null ? Double.NaN : rate(best);
    }

    /** The op that reached {@link #peakGflops()}, or null. */
    public LayerPlan.Op peakOp() {
      LayerPlan.Op best = null;
      for (LayerPlan.Op op : calls.keySet()) {
        if (op.type().counted() && figures.containsKey(op.key()) && op.flops() > 0) {
          if (best == null || rate(op) > rate(best)) {
            best = op;
          }
        }
      }
      return best;
    }

    /** {@code op}'s best rate, GFLOP/s. */
    public double rate(LayerPlan.Op op) {
      return op.flops() / (figures.get(op.key()).min() / 1000) / 1e9;
    }

    /** Median ms per pass spent in each timed type: each call's median times its call count. */
    public Map<LayerPlan.Type, Double> msByType() {
      Map<LayerPlan.Type, Double> out = new EnumMap<>(LayerPlan.Type.class);
      calls.forEach(
          (op, n) -> {
            Timing.Figure f = figures.get(op.key());
            if (f != null) {
              out.merge(op.type(), f.ms() * n, Double::sum);
            }
          });
      return out;
    }

    /** Median ms per pass spent in each block's timed calls, in plan order. */
    public Map<String, Double> msByBlock(LayerPlan plan) {
      Map<String, Double> out = new LinkedHashMap<>();
      for (LayerPlan.Op op : plan.ops()) {
        Timing.Figure f = figures.get(op.key());
        out.merge(op.block(), f == null ? 0 : f.ms(), Double::sum);
      }
      return out;
    }

    /** The sum of every timed call of the pass, ms. */
    public double totalMs() {
      double t = 0;
      for (double v : msByType().values()) {
        t += v;
      }
      return t;
    }
  }

  /**
   * Times the distinct ops of {@code plan} whose type {@code which} accepts: {@code samples} timed
   * samples each after two warm-ups ({@link Timing#calibrated}).
   */
  public static Times time(
      LayerPlan plan, Device device, int samples, Predicate<LayerPlan.Type> which) {
    Map<LayerPlan.Op, Integer> calls = plan.distinct();
    Map<String, Timing.Figure> figures = new LinkedHashMap<>();
    for (LayerPlan.Op op : calls.keySet()) {
      if (which.test(op.type())) {
        figures.put(op.key(), time(op, device, samples));
      }
    }
    return new Times(calls, figures);
  }

  /** Times one call of {@code op}'s shape. */
  public static Timing.Figure time(LayerPlan.Op op, Device device, int samples) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      Runnable call = prepare(op, m);
      return Timing.calibrated(call, samples, MIN_SAMPLE_MS);
    }
  }

  /**
   * A call of {@code op} on random weights and input held by {@code m}; each call frees its own
   * result and temporaries (a scope around the input).
   */
  static Runnable prepare(LayerPlan.Op op, NDManager m) {
    long[] d = op.dims();
    RandomWeights random = RandomWeights.seeded(1);
    Parameters p = Parameters.random(random, m);
    return switch (op.type()) {
      case CONV -> {
        NDArray w = m.randomNormal(new Shape(d[2], d[1], d[5], d[5])); // [out, in, k, k]
        NDArray bias = m.zeros(new Shape(d[2])); // [out]
        Conv2d conv = Conv2d.of(w, bias, (int) d[6], (int) d[7]);
        NDArray x = m.randomNormal(new Shape(d[0], d[1], d[3], d[4])); // [B, in, H, W]
        yield () -> run(x, conv::forward);
      }
      case LINEAR -> {
        NDArray w = m.randomNormal(new Shape(d[2], d[1])); // [out, in]
        Linear linear = Linear.of(w, d[3] == 1 ? m.zeros(new Shape(d[2])) : null);
        NDArray x = m.randomNormal(new Shape(d[0], d[1])); // [rows, in]
        yield () -> run(x, linear::forward);
      }
      case ATTENTION -> {
        NDArray q = m.randomNormal(new Shape(d[0], d[1], d[3])); // [B, Nq, C]
        NDArray k = m.randomNormal(new Shape(d[0], d[2], d[3])); // [B, Nk, C]
        NDArray v = m.randomNormal(new Shape(d[0], d[2], d[3])); // [B, Nk, C]
        yield () -> run(q, x -> Attention.attend(x, k, v, (int) d[4], d[5] == 1));
      }
      case GROUPNORM -> {
        GroupNorm norm = GroupNorm.load(p, "norm", (int) d[4], d[1], 1e-5);
        NDArray x = m.randomNormal(new Shape(d[0], d[1], d[2], d[3])); // [B, C, H, W]
        yield d[5] == 1 ? () -> run(x, norm::forwardSilu) : () -> run(x, norm::forward);
      }
      case LAYERNORM -> {
        LayerNorm norm = LayerNorm.load(p, "norm", d[1], 1e-5);
        NDArray x = m.randomNormal(new Shape(d[0], d[1])); // [rows, C]
        yield () -> run(x, norm::forward);
      }
    };
  }

  /**
   * Applies {@code layer} to {@code x} in a scope that frees the result; on a GPU it waits for the
   * result (a one-element read), on the CPU libtorch has finished when the call returns.
   */
  private static void run(NDArray x, java.util.function.UnaryOperator<NDArray> layer) {
    try (Scope scope = Scope.open(x)) {
      NDArray y = layer.apply(x);
      if (y.getDevice().isGpu()) {
        y.get(0).flatten().get(0).toFloatArray();
      }
    }
  }

  /** The counted types (the compute peak's candidates). */
  public static boolean counted(LayerPlan.Type t) {
    return t.counted();
  }

  /** Every type (the profile). */
  public static boolean all(LayerPlan.Type t) {
    return true;
  }

  /** The types in report order. */
  public static List<LayerPlan.Type> types() {
    return List.of(LayerPlan.Type.values());
  }
}
