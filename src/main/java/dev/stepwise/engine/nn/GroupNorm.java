package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
    return siluInPlace(forward(x)); // [B, C, H, W]
  }

  /** y sigmoid(y), in place. */
  private static NDArray siluInPlace(NDArray y) {
    NDArray gate = y.getNDArrayInternal().sigmoid(); // [same]
    y.muli(gate); // [same], the same product as Activations.silu
    gate.close();
    return y;
  }

  /** Each channel's group mean and 1 / sqrt(var + eps), [B, C, 1, 1]. */
  public record Stats(NDArray mean, NDArray rstd) implements AutoCloseable {
    @Override
    public void close() {
      mean.close();
      rstd.close();
    }
  }

  /**
   * The statistics of {@code x [B, C, H, W]}, in its manager: mean, then mean squared deviation.
   */
  public Stats stats(NDArray x) {
    Shape s = x.getShape();
    long b = s.get(0);
    long per = s.get(1) / groups;
    try (NDArray xs = x.reshape(b, groups, -1); // [B, G, C/G*H*W]
        NDArray mean = xs.mean(new int[] {2}, true); // [B, G, 1]
        NDArray d = xs.sub(mean); // [B, G, C/G*H*W]
        NDArray std = d.muli(d).mean(new int[] {2}, true).addi(eps).sqrt(); // [B, G, 1]
        NDArray rstd = std.onesLike().divi(std)) { // [B, G, 1] 1 / sqrt(var + eps)
      return new Stats(
          mean.repeat(2, per).reshape(b, -1, 1, 1), // [B, C, 1, 1]
          rstd.repeat(2, per).reshape(b, -1, 1, 1)); // [B, C, 1, 1]
    }
  }

  /** {@link #forwardSilu(NDArray)} of some rows {@code xb [B, C, r, W]} of the tensor of stats. */
  public NDArray forwardSilu(NDArray xb, Stats stats) {
    NDArray y = xb.sub(stats.mean()); // [B, C, r, W]
    return siluInPlace(y.muli(stats.rstd()).muli(gamma).addi(beta)); // [B, C, r, W]
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
