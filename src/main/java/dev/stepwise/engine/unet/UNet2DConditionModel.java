package dev.stepwise.engine.unet;

import ai.djl.ndarray.NDArray;
import dev.stepwise.engine.nn.Activations;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.GroupNorm;
import dev.stepwise.engine.nn.Linear;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.Resample;
import dev.stepwise.engine.nn.Scope;
import dev.stepwise.engine.nn.Timesteps;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The conditional UNet of Stable Diffusion 1.x / 2.x as diffusers' UNet2DConditionModel
 * (models/unets/unet_2d_condition.py and unet_2d_blocks.py): a sinusoidal time embedding, down
 * blocks of ResnetBlock2D (+ Transformer2DModel in CrossAttn blocks) that push every output onto a
 * skip stack, a mid block, up blocks that pop and concatenate those skips (h first), and an output
 * head. Parameter names are diffusers' state_dict keys.
 *
 * <p>An SDXL UNet ({@code addition_embed_type: "text_time"}) also takes the pooled text embedding
 * [B, P] and the micro-conditioning time ids [B, K] (K = 6: original size, crop top-left, target
 * size); their embedding (add_embedding) is added to the time embedding before any block runs
 * (unet_2d_condition.py get_aug_embed). Its levels may lack attention (DownBlock2D first) and carry
 * several transformer layers each (transformer_layers_per_block, reversed for the up blocks).
 *
 * <p>Shapes: B batch, Cin/Cout latent channels, h x w latent, L context tokens, D context width, T
 * = 4 x block_out_channels[0] time embedding width.
 */
public final class UNet2DConditionModel {
  private final UNetConfig config;
  private final Linear timeLinear1;
  private final Linear timeLinear2;
  private final Linear addLinear1; // SDXL add_embedding, or null
  private final Linear addLinear2;
  private final Conv2d convIn;
  private final List<Stage> down = new ArrayList<>();
  private final ResnetBlock midResnet0;
  private final SpatialTransformer midAttention;
  private final ResnetBlock midResnet1;
  private final List<Stage> up = new ArrayList<>();
  private final GroupNorm convNormOut;
  private final Conv2d convOut;

  /** One down or up block: resnets with optional transformers, then an optional resampler conv. */
  private record Stage(
      List<ResnetBlock> resnets, List<SpatialTransformer> attentions, Conv2d resample) {}

  public UNet2DConditionModel(UNetConfig c, Parameters p) {
    this.config = c;
    int[] ch = c.blockOutChannels();
    int n = ch.length;
    int groups = c.normNumGroups();
    double eps = c.normEps();
    int temb = c.timeEmbedDim();
    int ctx = c.crossAttentionDim();
    boolean linear = c.useLinearProjection();
    // Time embedding (embeddings.py TimestepEmbedding): linear_1, SiLU, linear_2.
    timeLinear1 = Linear.load(p, "time_embedding.linear_1", ch[0], temb, true);
    timeLinear2 = Linear.load(p, "time_embedding.linear_2", temb, temb, true);
    if (c.hasTextTime()) {
      // embeddings.py TimestepEmbedding(projection_class_embeddings_input_dim, T).
      addLinear1 =
          Linear.load(
              p, "add_embedding.linear_1", c.projectionClassEmbeddingsInputDim(), temb, true);
      addLinear2 = Linear.load(p, "add_embedding.linear_2", temb, temb, true);
    } else {
      addLinear1 = null;
      addLinear2 = null;
    }
    convIn =
        Conv2d.load(
            p, "conv_in", c.inChannels(), ch[0], c.convInKernel(), 1, (c.convInKernel() - 1) / 2);
    // Down blocks (unet_2d_blocks.py CrossAttnDownBlock2D / DownBlock2D).
    int out = ch[0];
    for (int i = 0; i < n; i++) {
      int in = out;
      out = ch[i];
      boolean cross = c.downBlockTypes().get(i).equals(UNetConfig.CROSS_DOWN);
      Parameters b = p.prefix("down_blocks." + i);
      List<ResnetBlock> resnets = new ArrayList<>();
      List<SpatialTransformer> attns = new ArrayList<>();
      for (int j = 0; j < c.layersPerBlock()[i]; j++) {
        resnets.add(
            new ResnetBlock(
                b.prefix("resnets." + j), j == 0 ? in : out, out, temb, groups, eps, 1.0));
        if (cross) {
          attns.add(
              new SpatialTransformer(
                  b.prefix("attentions." + j),
                  out,
                  c.attentionHeads()[i],
                  c.transformerLayersPerBlock()[i],
                  ctx,
                  groups,
                  linear));
        }
      }
      Conv2d downsampler =
          i < n - 1
              ? Conv2d.load(b, "downsamplers.0.conv", out, out, 3, 2, c.downsamplePadding())
              : null;
      down.add(new Stage(resnets, attns, downsampler));
    }
    // Mid block (UNetMidBlock2DCrossAttn): resnet, transformer, resnet.
    int last = ch[n - 1];
    if (c.midBlockType() != null) {
      Parameters m = p.prefix("mid_block");
      midResnet0 =
          new ResnetBlock(
              m.prefix("resnets.0"), last, last, temb, groups, eps, c.midBlockScaleFactor());
      midAttention =
          new SpatialTransformer(
              m.prefix("attentions.0"),
              last,
              c.attentionHeads()[n - 1],
              c.transformerLayersPerBlock()[n - 1],
              ctx,
              groups,
              linear);
      midResnet1 =
          new ResnetBlock(
              m.prefix("resnets.1"), last, last, temb, groups, eps, c.midBlockScaleFactor());
    } else {
      midResnet0 = null;
      midAttention = null;
      midResnet1 = null;
    }
    // Up blocks over the reversed lists (unet_2d_condition.py __init__): resnet j of block i takes
    // the previous output (j = 0) or this block's width, plus a skip of the matching down width.
    int prevOut = last;
    for (int i = 0; i < n; i++) {
      int outCh = ch[n - 1 - i];
      int inCh = ch[Math.max(0, n - 2 - i)];
      int layers = c.layersPerBlock()[n - 1 - i] + 1;
      int heads = c.attentionHeads()[n - 1 - i];
      int tLayers = c.transformerLayersPerBlock()[n - 1 - i];
      boolean cross = c.upBlockTypes().get(i).equals(UNetConfig.CROSS_UP);
      Parameters b = p.prefix("up_blocks." + i);
      List<ResnetBlock> resnets = new ArrayList<>();
      List<SpatialTransformer> attns = new ArrayList<>();
      for (int j = 0; j < layers; j++) {
        int skip = j == layers - 1 ? inCh : outCh;
        int resIn = j == 0 ? prevOut : outCh;
        resnets.add(
            new ResnetBlock(b.prefix("resnets." + j), resIn + skip, outCh, temb, groups, eps, 1.0));
        if (cross) {
          attns.add(
              new SpatialTransformer(
                  b.prefix("attentions." + j), outCh, heads, tLayers, ctx, groups, linear));
        }
      }
      Conv2d upsampler = i < n - 1 ? Conv2d.load3x3(b, "upsamplers.0.conv", outCh, outCh) : null;
      up.add(new Stage(resnets, attns, upsampler));
      prevOut = outCh;
    }
    convNormOut = GroupNorm.load(p, "conv_norm_out", groups, ch[0], eps);
    convOut =
        Conv2d.load(
            p,
            "conv_out",
            ch[0],
            c.outChannels(),
            c.convOutKernel(),
            1,
            (c.convOutKernel() - 1) / 2);
  }

  public UNetConfig config() {
    return config;
  }

  /**
   * The noise (or v) prediction for {@code sample [B, Cin, h, w]} at {@code timestep [B]}
   * (fractional allowed) under {@code context [B, L, D]}: [B, Cout, h, w], owned by the manager of
   * {@code sample}. Intermediates are freed before returning.
   */
  public NDArray forward(NDArray sample, NDArray timestep, NDArray context) {
    return forward(sample, timestep, context, null, null);
  }

  /**
   * As {@link #forward(NDArray, NDArray, NDArray)} for an SDXL UNet: {@code textEmbeds [B, P]} is
   * the pooled (projected) text embedding and {@code timeIds [B, K]} the micro-conditioning; both
   * null for an SD 1.x / 2.x UNet.
   */
  public NDArray forward(
      NDArray sample, NDArray timestep, NDArray context, NDArray textEmbeds, NDArray timeIds) {
    if (config.hasTextTime() != (textEmbeds != null && timeIds != null)) {
      throw new IllegalArgumentException(
          config.hasTextTime()
              ? "An SDXL UNet needs the pooled text embedding and the time ids."
              : "Only an SDXL UNet takes a pooled text embedding and time ids.");
    }
    try (Scope scope = Scope.open(sample, timestep, context, textEmbeds, timeIds)) {
      NDArray temb = embedTime(timestep); // [B, T]
      if (textEmbeds != null) {
        temb = temb.add(embedAdded(textEmbeds, timeIds)); // [B, T]
      }
      return scope.keep(forwardInScope(sample, temb, context));
    }
  }

  /** The time embedding [B, T] after linear_2 (a debug tap for parity tests). */
  public NDArray timeEmbedding(NDArray timestep) {
    try (Scope scope = Scope.open(timestep)) {
      return scope.keep(embedTime(timestep));
    }
  }

  /** SDXL's add_embedding output [B, T] for {@code textEmbeds [B, P]}, {@code timeIds [B, K]}. */
  public NDArray addedEmbedding(NDArray textEmbeds, NDArray timeIds) {
    try (Scope scope = Scope.open(textEmbeds, timeIds)) {
      return scope.keep(embedAdded(textEmbeds, timeIds));
    }
  }

  /**
   * diffusers get_aug_embed ("text_time"): each time id through the sinusoid of
   * addition_time_embed_dim (add_time_proj, with the UNet's flip_sin_to_cos and freq_shift), the K
   * embeddings laid side by side after the text embedding, then linear_1, SiLU, linear_2.
   */
  private NDArray embedAdded(NDArray textEmbeds, NDArray timeIds) {
    long b = textEmbeds.getShape().get(0);
    int dim = config.additionTimeEmbedDim();
    long width = textEmbeds.getShape().get(1) + timeIds.getShape().get(1) * dim;
    if (timeIds.getShape().get(0) != b || width != config.projectionClassEmbeddingsInputDim()) {
      throw new IllegalArgumentException(
          "The text embedding "
              + textEmbeds.getShape()
              + " and time ids "
              + timeIds.getShape()
              + " do not make the UNet's "
              + config.projectionClassEmbeddingsInputDim()
              + " added inputs.");
    }
    NDArray ids = timeIds.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).reshape(-1);
    // ids: [B * K]
    NDArray t =
        Timesteps.sinusoidal(ids, dim, config.flipSinToCos(), config.freqShift()); // [B K, dim]
    NDArray x =
        textEmbeds
            .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
            .concat(t.reshape(b, -1), 1); // [B, P + K dim]
    return addLinear2.forward(Activations.silu(addLinear1.forward(x))); // [B, T]
  }

  private NDArray embedTime(NDArray timestep) {
    int[] ch = config.blockOutChannels();
    NDArray t =
        Timesteps.sinusoidal(timestep, ch[0], config.flipSinToCos(), config.freqShift()); // [B, C0]
    return timeLinear2.forward(Activations.silu(timeLinear1.forward(t))); // [B, T]
  }

  private NDArray forwardInScope(NDArray sample, NDArray temb, NDArray context) {
    NDArray x = config.centerInputSample() ? sample.mul(2).sub(1) : sample; // [B, Cin, h, w]
    // 1. Time embedding (plus SDXL's added embedding); every resnet uses SiLU(temb) (resnet.py:
    // nonlinearity before time_emb_proj).
    NDArray siluTemb = Activations.silu(temb); // [B, T]
    // 2. conv_in; the skip stack starts with its output.
    NDArray h = convIn.forward(x); // [B, C0, h, w]
    Deque<NDArray> skips = new ArrayDeque<>();
    skips.push(h);
    // 3. Down blocks: push after every resnet(+transformer) and after the downsampler. Outputs that
    //    are not kept as skips are freed as soon as the next block has run (Scope.chain).
    for (Stage s : down) {
      for (int j = 0; j < s.resnets().size(); j++) {
        h = s.resnets().get(j).forward(h, siluTemb); // [B, Ci, hi, wi]
        if (!s.attentions().isEmpty()) {
          SpatialTransformer attention = s.attentions().get(j);
          h = Scope.chain(h, t -> attention.forward(t, context)); // [B, Ci, hi, wi]
        }
        skips.push(h);
      }
      if (s.resample() != null) {
        h = s.resample().forward(h); // [B, Ci, ceil(hi/2), ceil(wi/2)]
        skips.push(h);
      }
    }
    // 4. Mid block.
    boolean hIsSkip = true; // h is the last skip until a block replaces it
    if (midResnet0 != null) {
      h = midResnet0.forward(h, siluTemb); // [B, Cn, hn, wn]
      h = Scope.chain(h, t -> midAttention.forward(t, context)); // [B, Cn, hn, wn]
      h = Scope.chain(h, t -> midResnet1.forward(t, siluTemb)); // [B, Cn, hn, wn]
      hIsSkip = false;
    }
    // 5. Up blocks: pop one skip per resnet (LIFO), concatenate [h, skip] on channels; upsample to
    //    the next skip's exact size (forward_upsample_size covers odd latents). Each skip and each
    //    intermediate is freed once used.
    for (Stage s : up) {
      for (int j = 0; j < s.resnets().size(); j++) {
        NDArray skip = skips.pop(); // [B, Cs, hs, ws]
        NDArray cat = h.concat(skip, 1); // [B, C + Cs, hs, ws]
        if (!hIsSkip) {
          h.close();
        }
        hIsSkip = false;
        skip.close();
        ResnetBlock resnet = s.resnets().get(j);
        h = Scope.chain(cat, t -> resnet.forward(t, siluTemb)); // [B, Co, hs, ws]
        if (!s.attentions().isEmpty()) {
          SpatialTransformer attention = s.attentions().get(j);
          h = Scope.chain(h, t -> attention.forward(t, context)); // [B, Co, hs, ws]
        }
      }
      if (s.resample() != null) {
        NDArray next = skips.peek(); // the skip the next block pops first
        long nh = next.getShape().get(2);
        long nw = next.getShape().get(3);
        h = Scope.chain(h, t -> Resample.nearest(t, nh, nw)); // [B, Co, 2h', 2w'] or the skip's
        h = Scope.chain(h, s.resample()::forward); // [B, Co, ...]
      }
    }
    // 6. Output head.
    return convOut.forward(convNormOut.forwardSilu(h)); // [B, Cout, h, w]
  }
}
