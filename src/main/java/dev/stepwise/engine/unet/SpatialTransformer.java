package dev.stepwise.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Activations;
import dev.stepwise.engine.nn.Attention;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.GroupNorm;
import dev.stepwise.engine.nn.LayerNorm;
import dev.stepwise.engine.nn.Linear;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.Scope;

/**
 * diffusers' Transformer2DModel for continuous input (models/transformers/transformer_2d.py) with
 * BasicTransformerBlocks (models/attention.py): GroupNorm (eps 1e-6), proj_in (1x1 conv, or Linear
 * when use_linear_projection), per block h += attn1(norm1 h); h += attn2(norm2 h, context); h +=
 * ff(norm3 h) with GEGLU, then proj_out and the residual.
 *
 * <p>Shapes: B batch, C channels = heads x head width, N = H x W tokens, L context tokens, D
 * context width.
 */
final class SpatialTransformer {
  private final int heads;
  private final boolean linearProjection;
  private final GroupNorm norm;
  private final Conv2d projInConv;
  private final Linear projInLinear;
  private final Block[] blocks;
  private final Conv2d projOutConv;
  private final Linear projOutLinear;

  private record Block(
      LayerNorm norm1,
      Linear q1,
      Linear k1,
      Linear v1,
      Linear out1,
      LayerNorm norm2,
      Linear q2,
      Linear k2,
      Linear v2,
      Linear out2,
      LayerNorm norm3,
      Linear ffIn,
      Linear ffOut) {}

  SpatialTransformer(
      Parameters p,
      int channels,
      int heads,
      int layers,
      int contextDim,
      int groups,
      boolean linear) {
    this.heads = heads;
    this.linearProjection = linear;
    long c = channels;
    norm = GroupNorm.load(p, "norm", groups, c, 1e-6);
    if (linear) {
      projInLinear = Linear.load(p, "proj_in", c, c, true);
      projOutLinear = Linear.load(p, "proj_out", c, c, true);
      projInConv = null;
      projOutConv = null;
    } else {
      projInConv = Conv2d.load(p, "proj_in", c, c, 1, 1, 0);
      projOutConv = Conv2d.load(p, "proj_out", c, c, 1, 1, 0);
      projInLinear = null;
      projOutLinear = null;
    }
    blocks = new Block[layers];
    for (int i = 0; i < layers; i++) {
      Parameters b = p.prefix("transformer_blocks." + i);
      blocks[i] =
          new Block(
              LayerNorm.load(b, "norm1", c, 1e-5),
              Linear.load(b, "attn1.to_q", c, c, false),
              Linear.load(b, "attn1.to_k", c, c, false),
              Linear.load(b, "attn1.to_v", c, c, false),
              Linear.load(b, "attn1.to_out.0", c, c, true),
              LayerNorm.load(b, "norm2", c, 1e-5),
              Linear.load(b, "attn2.to_q", c, c, false),
              Linear.load(b, "attn2.to_k", contextDim, c, false),
              Linear.load(b, "attn2.to_v", contextDim, c, false),
              Linear.load(b, "attn2.to_out.0", c, c, true),
              LayerNorm.load(b, "norm3", c, 1e-5),
              Linear.load(b, "ff.net.0.proj", c, 8 * c, true), // GEGLU: value and gate, 4C each
              Linear.load(b, "ff.net.2", 4 * c, c, true));
    }
  }

  /** {@code x [B, C, H, W]}, {@code context [B, L, D]} -> [B, C, H, W]. */
  NDArray forward(NDArray x, NDArray context) {
    try (Scope scope = Scope.open(x, context)) { // the block's temporaries end with it
      return scope.keep(forwardInScope(x, context)); // [B, C, H, W]
    }
  }

  private NDArray forwardInScope(NDArray x, NDArray context) {
    Shape s = x.getShape();
    long b = s.get(0);
    long c = s.get(1);
    long n = s.get(2) * s.get(3);
    NDArray normed = norm.forward(x); // [B, C, H, W]
    NDArray h;
    if (linearProjection) {
      h = projInLinear.forward(normed.reshape(b, c, n).transpose(0, 2, 1)); // [B, N, C]
    } else {
      h = projInConv.forward(normed).reshape(b, c, n).transpose(0, 2, 1); // [B, N, C]
    }
    normed.close();
    // Each residual step frees its temporaries and input as it goes (Scope.chain); h: [B, N, C].
    for (Block blk : blocks) {
      h =
          Scope.chain(
              h, t -> attention(t, blk.norm1(), blk.q1(), blk.k1(), blk.v1(), blk.out1(), null));
      h =
          Scope.chain(
              h, t -> attention(t, blk.norm2(), blk.q2(), blk.k2(), blk.v2(), blk.out2(), context));
      h = Scope.chain(h, t -> feedForwardResidual(blk, t)); // [B, N, C]
    }
    NDArray out;
    if (linearProjection) {
      out = projOutLinear.forward(h).transpose(0, 2, 1).reshape(s); // [B, C, H, W]
    } else {
      out = projOutConv.forward(h.transpose(0, 2, 1).reshape(s)); // [B, C, H, W]
    }
    return out.add(x); // [B, C, H, W], the block's residual
  }

  /** h + out(attend(q(t), k(c), v(c))), t = norm(h), c = context or t; [B, N, C] -> [B, N, C]. */
  private NDArray attention(
      NDArray h, LayerNorm norm, Linear q, Linear k, Linear v, Linear out, NDArray context) {
    try (Scope scope = Scope.open(h, context)) {
      NDArray t = norm.forward(h); // [B, N, C]
      NDArray c = context == null ? t : context; // [B, L, D]
      NDArray a = Attention.attend(q.forward(t), k.forward(c), v.forward(c), heads, false);
      // a: [B, N, C]
      return scope.keep(h.add(out.forward(a))); // [B, N, C]
    }
  }

  /**
   * h + ff(norm3 h), by token chunks (every op is per token) whose [B, n, 8C] projection holds at
   * most {@link #ffMaxFloats} floats: 84 MB whole at 4096 tokens of 320 channels.
   */
  private NDArray feedForwardResidual(Block blk, NDArray h) {
    Shape s = h.getShape();
    long b = s.get(0);
    long n = s.get(1);
    long rows = Math.max(1, ffMaxFloats / (b * blk.ffIn().out()));
    try (Linear.Prepared in = blk.ffIn().prepare();
        Linear.Prepared out = blk.ffOut().prepare()) {
      if (rows >= n) {
        return h.add(feedForward(blk, in, out, h)); // [B, N, C]
      }
      NDArray y = h.getManager().zeros(s); // [B, N, C]
      for (long start = 0; start < n; start += rows) {
        long end = Math.min(n, start + rows);
        try (Scope chunk = Scope.open(h, y)) {
          NDIndex tokens = new NDIndex(":, {}:{}, :", start, end);
          NDArray hc = h.get(tokens); // [B, c, C]
          y.set(tokens, hc.add(feedForward(blk, in, out, hc))); // y[:, start:end] = [B, c, C]
        }
      }
      return y; // [B, N, C]
    }
  }

  /** ff(norm3 h) = ff.net.2(GEGLU(ff.net.0.proj(norm3 h))): {@code [B, n, C] -> [B, n, C]}. */
  private static NDArray feedForward(
      Block blk, Linear.Prepared in, Linear.Prepared out, NDArray h) {
    NDArray t = blk.norm3().forward(h); // [B, n, C]
    NDArray p = in.forward(t); // [B, n, 8C]
    t.close();
    NDArray g = Activations.geglu(p); // [B, n, 4C]
    p.close();
    NDArray y = out.forward(g); // [B, n, C]
    g.close();
    return y;
  }

  /** The feed-forward's chunk budget (tests change it). */
  long ffMaxFloats = 1L << 22;
}
