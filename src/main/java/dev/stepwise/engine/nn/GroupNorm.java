package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.ModelPackException;

/**
 * Group normalisation (Wu and He 2018; torch.nn.GroupNorm): each sample's channels are split into
 * {@code groups} groups, each group is normalised with its own mean and biased variance, then a
 * per-channel scale and shift are applied.
 *
 * <p>DJL has no GroupNorm, so the array is viewed as {@code [B*G, C/G*H*W]} and normalised with
 * LayerNorm over the last axis (unit scale, zero shift), then viewed back: each row is one group of
 * one sample, so LayerNorm's row mean and biased row variance are exactly the group's statistics.
 */
public final class GroupNorm {
  private final int groups;
  private final float eps;
  private final NDArray gamma; // [C, 1, 1]
  private final NDArray beta; // [C, 1, 1]

  private GroupNorm(int groups, float eps, NDArray gamma, NDArray beta) {
    this.groups = groups;
    this.eps = eps;
    this.gamma = gamma;
    this.beta = beta;
  }

  /** Loads {@code name.weight[C]} and {@code name.bias[C]}; C must be divisible by groups. */
  public static GroupNorm load(Parameters p, String name, int groups, long channels, double eps) {
    if (groups <= 0 || channels % groups != 0) {
      throw new ModelPackException(
          p.origin()
              + ": "
              + name
              + " has "
              + channels
              + " channels, which norm_num_groups "
              + groups
              + " does not divide.");
    }
    Parameters q = p.prefix(name);
    NDArray g = q.get("weight", channels).reshape(channels, 1, 1); // [C, 1, 1]
    NDArray b = q.get("bias", channels).reshape(channels, 1, 1); // [C, 1, 1]
    return new GroupNorm(groups, (float) eps, g, b);
  }

  /** Normalises {@code x [B, C, H, W]} and applies the affine scale and shift. */
  public NDArray forward(NDArray x) {
    // In place on normalize's fresh result: one full-size array instead of three.
    return normalize(x, groups, eps).muli(gamma).addi(beta); // [B, C, H, W]
  }

  /**
   * {@link #forward} followed by SiLU, x sigmoid(x), the pairing every ResNet block uses; in place,
   * so that only the result and, for a moment, the sigmoid exist at full size.
   */
  public NDArray forwardSilu(NDArray x) {
    NDArray y = forward(x); // [B, C, H, W]
    NDArray gate = y.getNDArrayInternal().sigmoid(); // [B, C, H, W]
    y.muli(gate); // [B, C, H, W], the same product as Activations.silu
    gate.close();
    return y;
  }

  /**
   * A group's mean and 1 / sqrt(var + eps) (biased variance), repeated for each of its channels:
   * {@code [B, C, 1, 1]} each, so that any piece of rows of the tensor can be normalised on its own
   * ({@link #forwardSilu(NDArray, Stats)}). Closing frees both.
   */
  public record Stats(NDArray mean, NDArray rstd) implements AutoCloseable {
    @Override
    public void close() {
      mean.close();
      rstd.close();
    }
  }

  /**
   * The statistics of {@code x [B, C, H, W]}, a few groups at a time so that no temporary holds
   * more than about {@code maxFloats} floats: per group its mean, then the mean of the squared
   * deviations from it (two passes, the definition LayerNorm computes). They belong to the manager
   * of {@code x}.
   */
  public Stats stats(NDArray x, long maxFloats) {
    Shape s = x.getShape();
    long b = s.get(0);
    long c = s.get(1);
    long per = c / groups; // channels per group
    long area = s.size() / (b * c);
    long step = Math.max(1, Math.min(groups, maxFloats / Math.max(1, b * per * area)));
    NDManager m = x.getManager();
    NDArray mean = m.zeros(new Shape(b, groups)); // [B, G]
    NDArray var = m.zeros(new Shape(b, groups)); // [B, G]
    for (long g0 = 0; g0 < groups; g0 += step) {
      long g1 = Math.min(groups, g0 + step);
      try (Scope scope = Scope.open(x, mean, var)) {
        NDArray xs =
            x.get(new NDIndex(":, {}:{}", g0 * per, g1 * per)).reshape(b, g1 - g0, per * area);
        // xs: [B, g, C/G*H*W]
        NDArray mu = xs.mean(new int[] {2}, true); // [B, g, 1]
        NDArray v = xs.sub(mu).square().mean(new int[] {2}); // [B, g]
        NDIndex cols = new NDIndex(":, {}:{}", g0, g1);
        mean.set(cols, mu.reshape(b, g1 - g0)); // mean[:, g0:g1]
        var.set(cols, v); // var[:, g0:g1]
      }
    }
    NDArray std = var.addi(eps).sqrt(); // [B, G]
    NDArray rstd = m.ones(std.getShape()).divi(std); // [B, G] 1 / sqrt(var + eps)
    var.close();
    std.close();
    NDArray meanC = mean.reshape(b, groups, 1).repeat(2, per).reshape(b, c, 1, 1); // [B, C, 1, 1]
    NDArray rstdC = rstd.reshape(b, groups, 1).repeat(2, per).reshape(b, c, 1, 1); // [B, C, 1, 1]
    mean.close();
    rstd.close();
    return new Stats(meanC, rstdC);
  }

  /**
   * {@link #forwardSilu(NDArray)} of a piece {@code xb [B, C, r, W]} (some rows) of the tensor that
   * {@code stats} describes: (x - mean) rstd gamma + beta, then SiLU, in place on one fresh array.
   */
  public NDArray forwardSilu(NDArray xb, Stats stats) {
    NDArray y = xb.sub(stats.mean()); // [B, C, r, W]
    y.muli(stats.rstd()).muli(gamma).addi(beta); // [B, C, r, W]
    NDArray gate = y.getNDArrayInternal().sigmoid(); // [B, C, r, W]
    y.muli(gate); // [B, C, r, W]
    gate.close();
    return y;
  }

  /** Group-normalises {@code x [B, C, ...]} without the affine part. */
  public static NDArray normalize(NDArray x, int groups, float eps) {
    Shape shape = x.getShape();
    NDArray grouped = x.reshape(shape.get(0) * groups, -1); // [B*G, C/G*H*W]
    long n = grouped.getShape().get(1);
    NDManager m = x.getManager();
    NDArray ones = m.ones(new Shape(n)); // [n]
    NDArray zeros = m.zeros(new Shape(n)); // [n]
    NDArray y =
        ai.djl.nn.norm.LayerNorm.layerNorm(grouped, new Shape(n), ones, zeros, eps)
            .singletonOrThrow(); // [B*G, C/G*H*W]
    ones.close();
    zeros.close();
    return y.reshape(shape); // [B, C, ...]
  }
}
