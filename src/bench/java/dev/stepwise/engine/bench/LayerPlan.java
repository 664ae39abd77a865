package dev.stepwise.engine.bench;

import static dev.stepwise.engine.bench.LayerPlan.Type.ATTENTION;
import static dev.stepwise.engine.bench.LayerPlan.Type.CONV;
import static dev.stepwise.engine.bench.LayerPlan.Type.GROUPNORM;
import static dev.stepwise.engine.bench.LayerPlan.Type.LAYERNORM;
import static dev.stepwise.engine.bench.LayerPlan.Type.LINEAR;

import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The layer calls of one forward pass, in order, with their shapes: the UNet of
 * UNet2DConditionModel and the decoder of AutoencoderKL, read off their configs as their
 * constructors and forward passes walk them. Element-wise work (residual adds, GEGLU,
 * concatenation, upsampling) is not listed; the profile reports it as the measured pass minus the
 * listed calls. LayerPlanTest checks each plan's FLOPs against FlopCounter over a real pass.
 *
 * @param ops every call in order
 */
public record LayerPlan(List<Op> ops) {
  /** The layer types; the first three are the ones FlopCounter counts. */
  public enum Type {
    CONV,
    LINEAR,
    ATTENTION,
    GROUPNORM,
    LAYERNORM;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    public boolean counted() {
      return ordinal() <= ATTENTION.ordinal();
    }
  }

  /**
   * One layer call.
   *
   * @param block the block it belongs to, e.g. "down 1 (32x32)"
   * @param dims conv {@code b, in, out, h, w, k, stride, pad}; linear {@code rows, in, out, bias};
   *     attention {@code b, nq, nk, c, heads, causal}; groupnorm {@code b, c, h, w, groups, silu};
   *     layernorm {@code rows, c}
   */
  public record Op(Type type, String block, long... dims) {
    /** Two calls with the same key cost the same. */
    public String key() {
      return type.label() + Arrays.toString(dims);
    }

    /** The FLOPs FlopCounter counts for this call, 2 per multiply-add. */
    public long flops() {
      long[] d = dims;
      return switch (type) {
        case CONV ->
            2
                * d[0]
                * d[2]
                * d[1]
                * d[5]
                * d[5]
                * ((d[3] + 2 * d[7] - d[5]) / d[6] + 1)
                * ((d[4] + 2 * d[7] - d[5]) / d[6] + 1);
        case LINEAR -> 2 * d[0] * d[2] * d[1];
        case ATTENTION -> 4 * d[0] * d[1] * d[2] * d[3]; // Q K^T and P V over all heads
        default -> 0;
      };
    }

    /** "conv 3x3 320->320 at 64x64 (batch 2)", or the type and its dims. */
    public String describe() {
      long[] d = dims;
      return type == CONV
          ? "conv "
              + d[5]
              + "x"
              + d[5]
              + " "
              + d[1]
              + "->"
              + d[2]
              + " at "
              + d[4]
              + "x"
              + d[3]
              + " (batch "
              + d[0]
              + ")"
          : type.label() + " " + Arrays.toString(d);
    }
  }

  /** The total FLOPs of the calls (what FlopCounter counts over the pass). */
  public long flops() {
    return ops.stream().mapToLong(Op::flops).sum();
  }

  /** One op per distinct shape, in first-call order, with its number of calls. */
  public Map<Op, Integer> distinct() {
    Map<String, Op> first = new LinkedHashMap<>();
    Map<String, Integer> count = new LinkedHashMap<>();
    for (Op op : ops) {
      first.putIfAbsent(op.key(), op);
      count.merge(op.key(), 1, Integer::sum);
    }
    Map<Op, Integer> out = new LinkedHashMap<>();
    first.forEach((k, op) -> out.put(op, count.get(k)));
    return out;
  }

  /** Collects ops, each in the current block. */
  private static final class Builder {
    final List<Op> ops = new ArrayList<>();
    String block;

    void add(Type t, long... dims) {
      ops.add(new Op(t, block, dims));
    }

    void at(String name, long h, long w) {
      block = name + " (" + w + "x" + h + ")";
    }
  }

  /** One UNet pass on {@code b} latents of {@code h x w} under {@code tokens} context tokens. */
  public static LayerPlan unet(UNetConfig c, int b, int h, int w, int tokens) {
    int[] ch = c.blockOutChannels();
    int n = ch.length;
    int temb = c.timeEmbedDim();
    int groups = c.normNumGroups();
    long[] rh = new long[n];
    long[] rw = new long[n];
    rh[0] = h;
    rw[0] = w;
    for (int i = 1; i < n; i++) { // 3x3 stride-2 downsamplers
      rh[i] = (rh[i - 1] + 2L * c.downsamplePadding() - 3) / 2 + 1;
      rw[i] = (rw[i - 1] + 2L * c.downsamplePadding() - 3) / 2 + 1;
    }
    Builder p = new Builder();
    p.block = "time embedding";
    p.add(LINEAR, b, ch[0], temb, 1);
    p.add(LINEAR, b, temb, temb, 1);
    p.at("conv_in", h, w);
    p.add(CONV, b, c.inChannels(), ch[0], h, w, c.convInKernel(), 1, (c.convInKernel() - 1) / 2);
    int out = ch[0];
    for (int i = 0; i < n; i++) {
      int in = out;
      out = ch[i];
      p.at("down " + i, rh[i], rw[i]);
      for (int j = 0; j < c.layersPerBlock()[i]; j++) {
        resnet(p, b, j == 0 ? in : out, out, rh[i], rw[i], temb, groups);
        if (c.downBlockTypes().get(i).equals(UNetConfig.CROSS_DOWN)) {
          transformer(p, c, b, out, i, rh[i], rw[i], tokens);
        }
      }
      if (i < n - 1) {
        p.add(CONV, b, out, out, rh[i], rw[i], 3, 2, c.downsamplePadding());
      }
    }
    int last = ch[n - 1];
    if (c.midBlockType() != null) {
      p.at("mid", rh[n - 1], rw[n - 1]);
      resnet(p, b, last, last, rh[n - 1], rw[n - 1], temb, groups);
      transformer(p, c, b, last, n - 1, rh[n - 1], rw[n - 1], tokens);
      resnet(p, b, last, last, rh[n - 1], rw[n - 1], temb, groups);
    }
    int prev = last;
    for (int i = 0; i < n; i++) {
      int l = n - 1 - i; // the level, whose skips this block pops
      int o = ch[l];
      int layers = c.layersPerBlock()[l] + 1;
      p.at("up " + i, rh[l], rw[l]);
      for (int j = 0; j < layers; j++) {
        int skip = j == layers - 1 ? ch[Math.max(0, n - 2 - i)] : o;
        resnet(p, b, (j == 0 ? prev : o) + skip, o, rh[l], rw[l], temb, groups);
        if (c.upBlockTypes().get(i).equals(UNetConfig.CROSS_UP)) {
          transformer(p, c, b, o, l, rh[l], rw[l], tokens);
        }
      }
      if (i < n - 1) { // nearest upsampling to the next skip's size, then a 3x3 conv
        p.add(CONV, b, o, o, rh[l - 1], rw[l - 1], 3, 1, 1);
      }
      prev = o;
    }
    p.at("conv_out", h, w);
    p.add(GROUPNORM, b, ch[0], h, w, groups, 1);
    p.add(CONV, b, ch[0], c.outChannels(), h, w, c.convOutKernel(), 1, (c.convOutKernel() - 1) / 2);
    return new LayerPlan(List.copyOf(p.ops));
  }

  /** ResnetBlock: norm1+SiLU, conv1, time_emb_proj, norm2+SiLU, conv2, 1x1 shortcut if needed. */
  private static void resnet(Builder p, long b, long in, long out, long h, long w, long t, long g) {
    p.add(GROUPNORM, b, in, h, w, g, 1);
    p.add(CONV, b, in, out, h, w, 3, 1, 1);
    if (t > 0) {
      p.add(LINEAR, b, t, out, 1);
    }
    p.add(GROUPNORM, b, out, h, w, g, 1);
    p.add(CONV, b, out, out, h, w, 3, 1, 1);
    if (in != out) {
      p.add(CONV, b, in, out, h, w, 1, 1, 0);
    }
  }

  /** SpatialTransformer of level {@code l}: norm, proj_in, per layer attn1, attn2, FF, proj_out. */
  private static void transformer(
      Builder p, UNetConfig c, long b, long ch, int l, long h, long w, long tokens) {
    long n = b * h * w; // rows of [B, N, C]
    long ctx = c.crossAttentionDim();
    long heads = c.attentionHeads()[l];
    p.add(GROUPNORM, b, ch, h, w, c.normNumGroups(), 0);
    for (int side = 0; side < 2; side++) { // proj_in, then (after the layers) proj_out
      if (c.useLinearProjection()) {
        p.add(LINEAR, n, ch, ch, 1);
      } else {
        p.add(CONV, b, ch, ch, h, w, 1, 1, 0);
      }
      for (int k = 0; side == 0 && k < c.transformerLayersPerBlock()[l]; k++) {
        p.add(LAYERNORM, n, ch);
        for (int q = 0; q < 3; q++) {
          p.add(LINEAR, n, ch, ch, 0); // q, k, v
        }
        p.add(ATTENTION, b, h * w, h * w, ch, heads, 0);
        p.add(LINEAR, n, ch, ch, 1);
        p.add(LAYERNORM, n, ch);
        p.add(LINEAR, n, ch, ch, 0);
        p.add(LINEAR, b * tokens, ctx, ch, 0); // k and v of the context
        p.add(LINEAR, b * tokens, ctx, ch, 0);
        p.add(ATTENTION, b, h * w, tokens, ch, heads, 0);
        p.add(LINEAR, n, ch, ch, 1);
        p.add(LAYERNORM, n, ch);
        p.add(LINEAR, n, ch, 8 * ch, 1); // GEGLU's value and gate
        p.add(LINEAR, n, 4 * ch, ch, 1);
      }
    }
  }

  /** One autoencoder decode of {@code b} latents of {@code h x w} (AutoencoderKL.decode). */
  public static LayerPlan vaeDecoder(VaeConfig c, int b, int h, int w) {
    int[] ch = c.blockOutChannels();
    int n = ch.length;
    int g = c.normNumGroups();
    long top = ch[n - 1];
    long hw = (long) h * w;
    Builder p = new Builder();
    p.at("conv_in", h, w);
    p.add(CONV, b, c.latentChannels(), c.latentChannels(), h, w, 1, 1, 0); // post_quant_conv
    p.add(CONV, b, c.latentChannels(), top, h, w, 3, 1, 1);
    p.at("mid", h, w);
    resnet(p, b, top, top, h, w, 0, g);
    p.add(GROUPNORM, b, top, h, w, g, 0);
    for (int i = 0; i < 3; i++) {
      p.add(LINEAR, b * hw, top, top, 1); // q, k, v
    }
    p.add(ATTENTION, b, hw, hw, top, 1, 0);
    p.add(LINEAR, b * hw, top, top, 1);
    resnet(p, b, top, top, h, w, 0, g);
    long prev = top;
    long sh = h;
    long sw = w;
    for (int i = 0; i < n; i++) {
      long out = ch[n - 1 - i];
      p.at("up " + i, sh, sw);
      for (int j = 0; j <= c.layersPerBlock(); j++) {
        resnet(p, b, j == 0 ? prev : out, out, sh, sw, 0, g);
      }
      if (i < n - 1) { // nearest 2x, then a 3x3 conv at the new size
        sh *= 2;
        sw *= 2;
        p.add(CONV, b, out, out, sh, sw, 3, 1, 1);
      }
      prev = out;
    }
    p.at("conv_out", sh, sw);
    p.add(GROUPNORM, b, ch[0], sh, sw, g, 1);
    p.add(CONV, b, ch[0], c.outChannels(), sh, sw, 3, 1, 1);
    return new LayerPlan(List.copyOf(p.ops));
  }
}
