package dev.stepwise.engine.bench;

import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The layer calls one forward pass makes, in order, with their shapes: the UNet of {@link
 * dev.stepwise.engine.unet.UNet2DConditionModel} and the decoder of {@link
 * dev.stepwise.engine.vae.AutoencoderKL}, read off their configs the way their constructors and
 * forward passes walk them. The profile and the compute peak time these calls one by one ({@link
 * LayerTimer}). Element-wise work (residual adds, SiLU of the time embedding, GEGLU, concatenation,
 * upsampling, reshapes) is not listed: the profile reports it as the measured pass minus the listed
 * calls.
 *
 * <p>A plan is checked against the networks themselves: its FLOPs (counted as {@link
 * dev.stepwise.engine.nn.FlopCounter} counts them) equal the counter's total over a real forward
 * pass (LayerPlanTest).
 */
public final class LayerPlan {
  /** The layer types the profile reports. */
  public enum Type {
    CONV("conv"),
    LINEAR("linear"),
    ATTENTION("attention"),
    GROUPNORM("groupnorm"),
    LAYERNORM("layernorm");

    private final String label;

    Type(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /** Whether FlopCounter counts this type's work (the others are not in the GFLOP figure). */
    public boolean counted() {
      return this == CONV || this == LINEAR || this == ATTENTION;
    }
  }

  /**
   * One layer call.
   *
   * @param type what the layer is
   * @param block the block it belongs to, e.g. "down 1 (32x32)"
   * @param dims its shape, by type: conv {@code b, in, out, h, w, k, stride, pad}; linear {@code
   *     rows, in, out, bias (0 or 1)} with rows the product of the input's leading dimensions;
   *     attention {@code b, nq, nk, c, heads, causal}; groupnorm {@code b, c, h, w, groups, silu};
   *     layernorm {@code rows, c}
   */
  public record Op(Type type, String block, long[] dims) {
    public Op {
      dims = dims.clone();
    }

    @Override
    public long[] dims() {
      return dims.clone();
    }

    /** Identifies the call's shape: two ops with the same key cost the same. */
    public String key() {
      return type.label() + Arrays.toString(dims);
    }

    /** The floating-point work FlopCounter counts for this call, 2 FLOP per multiply-add. */
    public long flops() {
      long[] d = dims;
      return switch (type) {
        case CONV -> {
          long oh = (d[3] + 2 * d[7] - d[5]) / d[6] + 1;
          long ow = (d[4] + 2 * d[7] - d[5]) / d[6] + 1;
          yield 2 * d[0] * d[2] * oh * ow * d[1] * d[5] * d[5];
        }
        case LINEAR -> 2 * d[0] * d[2] * d[1];
        case ATTENTION -> 2 * 2 * d[0] * d[1] * d[2] * d[3]; // Q K^T and P V over all heads
        default -> 0;
      };
    }

    /** "conv 3x3 320->320 on [2, 320, 64, 64]" and the like. */
    public String describe() {
      long[] d = dims;
      return switch (type) {
        case CONV ->
            String.format(
                Locale.ROOT,
                "conv %dx%d%s %d->%d on [%d, %d, %d, %d]",
                d[5],
                d[5],
                d[6] > 1 ? " stride " + d[6] : "",
                d[1],
                d[2],
                d[0],
                d[1],
                d[3],
                d[4]);
        case LINEAR -> String.format(Locale.ROOT, "linear %d->%d on %d rows", d[1], d[2], d[0]);
        case ATTENTION ->
            String.format(
                Locale.ROOT,
                "attention %d heads, %d queries x %d keys, width %d, batch %d",
                d[4],
                d[1],
                d[2],
                d[3],
                d[0]);
        case GROUPNORM ->
            String.format(
                Locale.ROOT,
                "groupnorm%s on [%d, %d, %d, %d]",
                d[5] == 1 ? "+silu" : "",
                d[0],
                d[1],
                d[2],
                d[3]);
        case LAYERNORM -> String.format(Locale.ROOT, "layernorm on [%d, %d]", d[0], d[1]);
      };
    }
  }

  private final List<Op> ops;

  private LayerPlan(List<Op> ops) {
    this.ops = List.copyOf(ops);
  }

  /** Every call in order. */
  public List<Op> ops() {
    return ops;
  }

  /** The total FLOPs of the listed calls (what FlopCounter counts over the pass). */
  public long flops() {
    long f = 0;
    for (Op op : ops) {
      f += op.flops();
    }
    return f;
  }

  /** One op of each distinct shape, in first-call order, with how many calls share it. */
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

  /** Collects ops for one block. */
  private static final class Builder {
    final List<Op> ops = new ArrayList<>();
    String block = "";

    void conv(long b, long in, long out, long h, long w, long k, long stride, long pad) {
      ops.add(new Op(Type.CONV, block, new long[] {b, in, out, h, w, k, stride, pad}));
    }

    void linear(long rows, long in, long out, boolean bias) {
      ops.add(new Op(Type.LINEAR, block, new long[] {rows, in, out, bias ? 1 : 0}));
    }

    void attention(long b, long nq, long nk, long c, long heads, boolean causal) {
      ops.add(new Op(Type.ATTENTION, block, new long[] {b, nq, nk, c, heads, causal ? 1 : 0}));
    }

    void groupNorm(long b, long c, long h, long w, long groups, boolean silu) {
      ops.add(new Op(Type.GROUPNORM, block, new long[] {b, c, h, w, groups, silu ? 1 : 0}));
    }

    void layerNorm(long rows, long c) {
      ops.add(new Op(Type.LAYERNORM, block, new long[] {rows, c}));
    }
  }

  private static String at(String name, long h, long w) {
    return name + " (" + w + "x" + h + ")";
  }

  /**
   * The calls of one UNet forward pass on a batch of {@code b} latents of {@code h x w} under a
   * context of {@code tokens} tokens (UNet2DConditionModel's constructor and forwardInScope).
   */
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
    p.linear(b, ch[0], temb, true);
    p.linear(b, temb, temb, true);
    p.block = at("conv_in", h, w);
    p.conv(b, c.inChannels(), ch[0], h, w, c.convInKernel(), 1, (c.convInKernel() - 1) / 2);
    int out = ch[0];
    for (int i = 0; i < n; i++) {
      int in = out;
      out = ch[i];
      p.block = at("down " + i, rh[i], rw[i]);
      boolean cross = c.downBlockTypes().get(i).equals(UNetConfig.CROSS_DOWN);
      for (int j = 0; j < c.layersPerBlock()[i]; j++) {
        unetResnet(p, b, j == 0 ? in : out, out, rh[i], rw[i], temb, groups);
        if (cross) {
          transformer(
              p,
              c,
              b,
              out,
              c.attentionHeads()[i],
              c.transformerLayersPerBlock()[i],
              rh[i],
              rw[i],
              tokens);
        }
      }
      if (i < n - 1) {
        p.conv(b, out, out, rh[i], rw[i], 3, 2, c.downsamplePadding());
      }
    }
    int last = ch[n - 1];
    if (c.midBlockType() != null) {
      p.block = at("mid", rh[n - 1], rw[n - 1]);
      unetResnet(p, b, last, last, rh[n - 1], rw[n - 1], temb, groups);
      transformer(
          p,
          c,
          b,
          last,
          c.attentionHeads()[n - 1],
          c.transformerLayersPerBlock()[n - 1],
          rh[n - 1],
          rw[n - 1],
          tokens);
      unetResnet(p, b, last, last, rh[n - 1], rw[n - 1], temb, groups);
    }
    int prevOut = last;
    for (int i = 0; i < n; i++) {
      int level = n - 1 - i;
      int outCh = ch[level];
      int inCh = ch[Math.max(0, n - 2 - i)];
      int layers = c.layersPerBlock()[level] + 1;
      boolean cross = c.upBlockTypes().get(i).equals(UNetConfig.CROSS_UP);
      p.block = at("up " + i, rh[level], rw[level]);
      for (int j = 0; j < layers; j++) {
        int skip = j == layers - 1 ? inCh : outCh;
        int resIn = j == 0 ? prevOut : outCh;
        unetResnet(p, b, resIn + skip, outCh, rh[level], rw[level], temb, groups);
        if (cross) {
          transformer(
              p,
              c,
              b,
              outCh,
              c.attentionHeads()[level],
              c.transformerLayersPerBlock()[level],
              rh[level],
              rw[level],
              tokens);
        }
      }
      if (i < n - 1) { // nearest upsampling to the next skip's size, then a 3x3 conv
        p.conv(b, outCh, outCh, rh[level - 1], rw[level - 1], 3, 1, 1);
      }
      prevOut = outCh;
    }
    p.block = at("conv_out", h, w);
    p.groupNorm(b, ch[0], h, w, groups, true);
    p.conv(b, ch[0], c.outChannels(), h, w, c.convOutKernel(), 1, (c.convOutKernel() - 1) / 2);
    return new LayerPlan(p.ops);
  }

  /** ResnetBlock: norm1+SiLU, conv1, time_emb_proj, norm2+SiLU, conv2, 1x1 shortcut if needed. */
  private static void unetResnet(
      Builder p, long b, long in, long out, long h, long w, long temb, long groups) {
    p.groupNorm(b, in, h, w, groups, true);
    p.conv(b, in, out, h, w, 3, 1, 1);
    p.linear(b, temb, out, true);
    p.groupNorm(b, out, h, w, groups, true);
    p.conv(b, out, out, h, w, 3, 1, 1);
    if (in != out) {
      p.conv(b, in, out, h, w, 1, 1, 0);
    }
  }

  /** SpatialTransformer: norm, proj_in, per layer self-, cross-attention and GEGLU FF, proj_out. */
  private static void transformer(
      Builder p,
      UNetConfig c,
      long b,
      long ch,
      long heads,
      int layers,
      long h,
      long w,
      long tokens) {
    long n = h * w;
    long ctx = c.crossAttentionDim();
    p.groupNorm(b, ch, h, w, c.normNumGroups(), false);
    if (c.useLinearProjection()) {
      p.linear(b * n, ch, ch, true);
    } else {
      p.conv(b, ch, ch, h, w, 1, 1, 0);
    }
    for (int l = 0; l < layers; l++) {
      p.layerNorm(b * n, ch);
      p.linear(b * n, ch, ch, false); // q
      p.linear(b * n, ch, ch, false); // k
      p.linear(b * n, ch, ch, false); // v
      p.attention(b, n, n, ch, heads, false);
      p.linear(b * n, ch, ch, true); // out
      p.layerNorm(b * n, ch);
      p.linear(b * n, ch, ch, false); // q
      p.linear(b * tokens, ctx, ch, false); // k of the context
      p.linear(b * tokens, ctx, ch, false); // v of the context
      p.attention(b, n, tokens, ch, heads, false);
      p.linear(b * n, ch, ch, true); // out
      p.layerNorm(b * n, ch);
      p.linear(b * n, ch, 8 * ch, true); // GEGLU's value and gate
      p.linear(b * n, 4 * ch, ch, true);
    }
    if (c.useLinearProjection()) {
      p.linear(b * n, ch, ch, true);
    } else {
      p.conv(b, ch, ch, h, w, 1, 1, 0);
    }
  }

  /**
   * The calls of one autoencoder decode of a batch of {@code b} latents of {@code h x w}
   * (AutoencoderKL.decode).
   */
  public static LayerPlan vaeDecoder(VaeConfig c, int b, int h, int w) {
    int[] ch = c.blockOutChannels();
    int n = ch.length;
    int groups = c.normNumGroups();
    int lat = c.latentChannels();
    Builder p = new Builder();
    p.block = at("conv_in", h, w);
    p.conv(b, lat, lat, h, w, 1, 1, 0); // post_quant_conv
    p.conv(b, lat, ch[n - 1], h, w, 3, 1, 1);
    long c0 = ch[n - 1];
    p.block = at("mid", h, w);
    vaeResnet(p, b, c0, c0, h, w, groups);
    p.groupNorm(b, c0, h, w, groups, false);
    for (int i = 0; i < 3; i++) {
      p.linear(b * (long) h * w, c0, c0, true); // q, k, v
    }
    p.attention(b, (long) h * w, (long) h * w, c0, 1, false);
    p.linear(b * (long) h * w, c0, c0, true); // out
    vaeResnet(p, b, c0, c0, h, w, groups);
    long prev = c0;
    long sh = h;
    long sw = w;
    for (int i = 0; i < n; i++) {
      long out = ch[n - 1 - i];
      p.block = at("up " + i, sh, sw);
      for (int j = 0; j < c.layersPerBlock() + 1; j++) {
        vaeResnet(p, b, j == 0 ? prev : out, out, sh, sw, groups);
      }
      if (i < n - 1) { // nearest 2x, then a 3x3 conv at the new size
        sh *= 2;
        sw *= 2;
        p.conv(b, out, out, sh, sw, 3, 1, 1);
      }
      prev = out;
    }
    p.block = at("conv_out", sh, sw);
    p.groupNorm(b, ch[0], sh, sw, groups, true);
    p.conv(b, ch[0], c.outChannels(), sh, sw, 3, 1, 1);
    return new LayerPlan(p.ops);
  }

  /** The autoencoder's Resnet: norm1+SiLU, conv1, norm2+SiLU, conv2, 1x1 shortcut if needed. */
  private static void vaeResnet(Builder p, long b, long in, long out, long h, long w, long groups) {
    p.groupNorm(b, in, h, w, groups, true);
    p.conv(b, in, out, h, w, 3, 1, 1);
    p.groupNorm(b, out, h, w, groups, true);
    p.conv(b, out, out, h, w, 3, 1, 1);
    if (in != out) {
      p.conv(b, in, out, h, w, 1, 1, 0);
    }
  }
}
