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
import java.util.function.UnaryOperator;

/**
 * Times each distinct call of a {@link LayerPlan} alone, on random weights and inputs of its shape,
 * through the engine's own layers (engine.nn: the same paths, im2col included, as in the network).
 * Two uses: the compute peak (the best rate of any of the network's counted layers, which the whole
 * pass, doing uncounted work too, cannot beat) and the profile (where a pass's time goes).
 *
 * @param calls each distinct op and how many calls of the pass share its shape
 * @param figures each timed op's time per call, by {@link LayerPlan.Op#key()}
 */
public record LayerTimer(Map<LayerPlan.Op, Integer> calls, Map<String, Timing.Figure> figures) {

  /** Times {@code plan}'s distinct ops (the counted types only unless {@code all}). */
  public static LayerTimer time(LayerPlan plan, Device device, int samples, boolean all) {
    Map<LayerPlan.Op, Integer> calls = plan.distinct();
    Map<String, Timing.Figure> figures = new LinkedHashMap<>();
    List<LayerPlan.Op> timed =
        calls.keySet().stream().filter(op -> all || op.type().counted()).toList();
    try (BenchRuns.Loop loop = BenchRuns.loop(0, timed.size())) { // a run per op: its samples
      for (LayerPlan.Op op : timed) {
        loop.start();
        try (NDManager m = NDManager.newBaseManager(device)) {
          figures.put(op.key(), Timing.calibrated(prepare(op, m), samples, 20));
        }
        loop.end();
      }
    }
    return new LayerTimer(calls, figures);
  }

  /** The op with the best rate (from its fastest sample), or null. */
  public LayerPlan.Op peakOp() {
    LayerPlan.Op best = null;
    for (LayerPlan.Op op : calls.keySet()) {
      if (op.flops() > 0
          && figures.containsKey(op.key())
          && (best == null || rate(op) > rate(best))) {
        best = op;
      }
    }
    return best;
  }

  /** {@code op}'s best rate, GFLOP/s. */
  public double rate(LayerPlan.Op op) {
    return op.flops() / figures.get(op.key()).min() / 1e6;
  }

  /** Ms per pass in each type: each op's median times its calls. */
  public Map<LayerPlan.Type, Double> msByType() {
    Map<LayerPlan.Type, Double> out = new EnumMap<>(LayerPlan.Type.class);
    for (LayerPlan.Type t : LayerPlan.Type.values()) {
      out.put(t, 0.0);
    }
    calls.forEach(
        (op, n) -> {
          if (figures.containsKey(op.key())) {
            out.merge(op.type(), figures.get(op.key()).ms() * n, Double::sum);
          }
        });
    return out;
  }

  /** Ms per pass in each block's timed calls, in plan order. */
  public Map<String, Double> msByBlock(LayerPlan plan) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (LayerPlan.Op op : plan.ops()) {
      Timing.Figure f = figures.get(op.key());
      out.merge(op.block(), f == null ? 0 : f.ms(), Double::sum);
    }
    return out;
  }

  /** A call of {@code op} on random arrays held by {@code m}; each call frees what it made. */
  static Runnable prepare(LayerPlan.Op op, NDManager m) {
    long[] d = op.dims();
    Parameters p = Parameters.random(RandomWeights.seeded(1), m);
    return switch (op.type()) {
      case CONV -> {
        NDArray w = m.randomNormal(new Shape(d[2], d[1], d[5], d[5])); // [out, in, k, k]
        Conv2d conv = Conv2d.of(w, m.zeros(new Shape(d[2])), (int) d[6], (int) d[7]);
        yield run(m.randomNormal(new Shape(d[0], d[1], d[3], d[4])), conv::forward); // [B,in,H,W]
      }
      case LINEAR -> {
        NDArray w = m.randomNormal(new Shape(d[2], d[1])); // [out, in]
        Linear linear = Linear.of(w, d[3] == 1 ? m.zeros(new Shape(d[2])) : null);
        yield run(m.randomNormal(new Shape(d[0], d[1])), linear::forward); // [rows, in]
      }
      case ATTENTION -> {
        NDArray k = m.randomNormal(new Shape(d[0], d[2], d[3])); // [B, Nk, C]
        NDArray v = m.randomNormal(new Shape(d[0], d[2], d[3])); // [B, Nk, C]
        yield run(
            m.randomNormal(new Shape(d[0], d[1], d[3])), // q: [B, Nq, C]
            q -> Attention.attend(q, k, v, (int) d[4], d[5] == 1));
      }
      case GROUPNORM -> {
        GroupNorm norm = GroupNorm.load(p, "n", (int) d[4], d[1], 1e-5);
        NDArray x = m.randomNormal(new Shape(d[0], d[1], d[2], d[3])); // [B, C, H, W]
        yield run(x, d[5] == 1 ? norm::forwardSilu : norm::forward);
      }
      case LAYERNORM ->
          run(m.randomNormal(new Shape(d[0], d[1])), LayerNorm.load(p, "n", d[1], 1e-5)::forward);
    };
  }

  /**
   * {@code layer} on {@code x} in a scope that frees the result; on a GPU it waits for the result,
   * on the CPU libtorch has finished when the call returns.
   */
  private static Runnable run(NDArray x, UnaryOperator<NDArray> layer) {
    return () -> {
      try (Scope scope = Scope.open(x)) {
        NDArray y = layer.apply(x);
        if (y.getDevice().isGpu()) {
          y.flatten().get(0).toFloatArray();
        }
      }
    };
  }
}
