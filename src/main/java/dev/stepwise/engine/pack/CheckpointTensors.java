package dev.stepwise.engine.pack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.LdmKeyMap.Op;
import dev.stepwise.engine.pack.LdmKeyMap.Ref;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.TensorSource;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * One network's tensors of a single-file checkpoint under their diffusers names: a renaming view
 * over the shared {@link SafetensorsFile}, so each tensor is read from the file when its layer asks
 * for it and nothing is held twice. Closing the view leaves the file open (the pack owns it).
 */
final class CheckpointTensors implements TensorSource {
  private final SafetensorsFile file;
  private final Map<String, Ref> refs;
  private final String origin;

  CheckpointTensors(SafetensorsFile file, Map<String, Ref> refs, String origin) {
    this.file = file;
    this.refs = LdmKeyMap.view(refs);
    this.origin = origin;
    for (Map.Entry<String, Ref> e : refs.entrySet()) {
      Op op = e.getValue().op();
      long[] s = file.shape(e.getValue().source());
      if ((op == Op.Q || op == Op.K || op == Op.V) && (s.length == 0 || s[0] % 3 != 0)) {
        throw new ModelPackException(
            origin
                + ": "
                + e.getValue().source()
                + " has shape "
                + Arrays.toString(s)
                + "; a fused q, k, v projection needs a first dimension divisible by 3.");
      }
      if (op == Op.TRANSPOSE && s.length != 2) {
        throw new ModelPackException(
            origin
                + ": "
                + e.getValue().source()
                + " has shape "
                + Arrays.toString(s)
                + "; a text projection must be a matrix [width, projection].");
      }
    }
  }

  @Override
  public Set<String> names() {
    return refs.keySet();
  }

  @Override
  public long[] shape(String name) {
    Ref r = refs.get(name);
    return r == null ? null : shapeOf(r, file.shape(r.source()));
  }

  /** The diffusers shape made from LDM shape {@code s} by {@code r}'s operation. */
  private static long[] shapeOf(Ref r, long[] s) {
    return switch (r.op()) {
      case COPY -> s;
      case TRANSPOSE -> new long[] {s[1], s[0]}; // [D, P] -> [P, D]
      case SQUEEZE -> squeezable(s) ? new long[] {s[0], s[1]} : s;
      case Q, K, V -> {
        long[] out = s.clone();
        out[0] = s[0] / 3; // [3C, ...] -> [C, ...]
        yield out;
      }
    };
  }

  /** [C, C, 1, 1] or [C, C, 1]: a 1x1 convolution that is a linear layer. */
  private static boolean squeezable(long[] s) {
    return (s.length == 4 && s[2] == 1 && s[3] == 1) || (s.length == 3 && s[2] == 1);
  }

  @Override
  public NDArray load(String name, NDManager manager) {
    return read(name, manager, false);
  }

  @Override
  public NDArray loadStored(String name, NDManager manager) {
    return read(name, manager, true);
  }

  private NDArray read(String name, NDManager manager, boolean stored) {
    Ref r = refs.get(name);
    if (r == null) {
      throw new ModelPackException(origin + " has no tensor " + name + ".");
    }
    NDArray full = stored ? file.loadStored(r.source(), manager) : file.load(r.source(), manager);
    long[] s = full.getShape().getShape();
    switch (r.op()) {
      case COPY:
        return full;
      case TRANSPOSE:
        // Flattening the transposed view copies it row-major: a contiguous [P, D] of its own.
        try (full;
            NDArray t = full.transpose();
            NDArray flat = t.reshape(-1)) {
          return flat.reshape(new Shape(s[1], s[0])); // [D, P] -> [P * D] -> [P, D]
        }
      case SQUEEZE:
        if (!squeezable(s)) {
          return full;
        }
        try (full) {
          return full.reshape(new Shape(s[0], s[1])); // [C, C, 1, 1] -> [C, C]
        }
      default:
        long third = s[0] / 3;
        long from = (r.op().ordinal() - Op.Q.ordinal()) * third;
        // A compact copy, so that the fused [3C, ...] tensor is freed.
        try (full;
            NDArray slice = full.get(new NDIndex("{}:{}", from, from + third))) {
          return slice.duplicate(); // [C, ...]
        }
    }
  }

  @Override
  public String origin() {
    return origin;
  }

  @Override
  public void close() {
    // The checkpoint file is shared by the three networks and closed with the pack.
  }
}
