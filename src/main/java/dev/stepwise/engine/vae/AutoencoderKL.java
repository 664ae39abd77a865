package dev.stepwise.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Attention;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.GroupNorm;
import dev.stepwise.engine.nn.Linear;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.Resample;
import dev.stepwise.engine.nn.RowBands;
import dev.stepwise.engine.nn.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * The KL autoencoder of latent diffusion (Rombach et al. 2022) as diffusers' AutoencoderKL
 * (models/autoencoders/autoencoder_kl.py, vae.py Encoder/Decoder, unet_2d_blocks.py
 * DownEncoderBlock2D/UpDecoderBlock2D/UNetMidBlock2D). Every norm is GroupNorm(norm_num_groups, eps
 * 1e-6); the mid block's attention is single-head over all pixels.
 *
 * <p>Shapes: B = batch, C = channels, H x W = image, h x w = latent = image / f.
 */
public final class AutoencoderKL {
  private static final double EPS = 1e-6;

  /** A resnet, upsampler or head whose largest array exceeds this runs by row bands of it. */
  public static final long BAND_FLOATS = 1L << 22;

  private long bandFloats = BAND_FLOATS;

  private final VaeConfig config;
  // Encoder
  private final Conv2d encConvIn;
  private final List<Resnet> encResnets = new ArrayList<>(); // in block order
  private final int[] encResnetsPerBlock;
  private final Conv2d[] encDown; // null for the last block
  private final MidBlock encMid;
  private final GroupNorm encNormOut;
  private final Conv2d encConvOut;
  private final Conv2d quantConv;
  // Decoder
  private final Conv2d postQuantConv;
  private final Conv2d decConvIn;
  private final MidBlock decMid;
  private final List<List<Resnet>> decBlocks = new ArrayList<>();
  private final Conv2d[] decUp; // null for the last block
  private final GroupNorm decNormOut;
  private final Conv2d decConvOut;

  public AutoencoderKL(VaeConfig c, Parameters p) {
    this.config = c;
    int[] ch = c.blockOutChannels();
    int n = ch.length;
    int groups = c.normNumGroups();
    int perBlock = c.layersPerBlock();
    // Encoder (vae.py Encoder): conv_in, down blocks, mid block, norm, conv_out to 2 x latent.
    Parameters e = p.prefix("encoder");
    encConvIn = Conv2d.load3x3(e, "conv_in", c.inChannels(), ch[0]);
    encDown = new Conv2d[n];
    encResnetsPerBlock = new int[n];
    int prev = ch[0];
    for (int i = 0; i < n; i++) {
      Parameters b = e.prefix("down_blocks." + i);
      for (int j = 0; j < perBlock; j++) {
        encResnets.add(new Resnet(b.prefix("resnets." + j), j == 0 ? prev : ch[i], ch[i], groups));
      }
      encResnetsPerBlock[i] = perBlock;
      // downsampling.py Downsample2D(padding=0): F.pad(0,1,0,1), then 3x3 stride 2.
      encDown[i] = i < n - 1 ? Conv2d.load(b, "downsamplers.0.conv", ch[i], ch[i], 3, 2, 0) : null;
      prev = ch[i];
    }
    encMid = new MidBlock(e.prefix("mid_block"), ch[n - 1], groups);
    encNormOut = GroupNorm.load(e, "conv_norm_out", groups, ch[n - 1], EPS);
    encConvOut = Conv2d.load3x3(e, "conv_out", ch[n - 1], 2L * c.latentChannels());
    quantConv =
        Conv2d.load(p, "quant_conv", 2L * c.latentChannels(), 2L * c.latentChannels(), 1, 1, 0);
    // Decoder (vae.py Decoder): post_quant_conv, conv_in, mid block, up blocks over reversed
    // channels.
    postQuantConv =
        Conv2d.load(p, "post_quant_conv", c.latentChannels(), c.latentChannels(), 1, 1, 0);
    Parameters d = p.prefix("decoder");
    decConvIn = Conv2d.load3x3(d, "conv_in", c.latentChannels(), ch[n - 1]);
    decMid = new MidBlock(d.prefix("mid_block"), ch[n - 1], groups);
    decUp = new Conv2d[n];
    prev = ch[n - 1];
    for (int i = 0; i < n; i++) {
      int out = ch[n - 1 - i];
      Parameters b = d.prefix("up_blocks." + i);
      List<Resnet> block = new ArrayList<>();
      for (int j = 0; j < perBlock + 1; j++) {
        block.add(new Resnet(b.prefix("resnets." + j), j == 0 ? prev : out, out, groups));
      }
      decBlocks.add(block);
      decUp[i] = i < n - 1 ? Conv2d.load3x3(b, "upsamplers.0.conv", out, out) : null;
      prev = out;
    }
    decNormOut = GroupNorm.load(d, "conv_norm_out", groups, ch[0], EPS);
    decConvOut = Conv2d.load3x3(d, "conv_out", ch[0], c.outChannels());
  }

  public VaeConfig config() {
    return config;
  }

  /** The row-band budget in floats; Long.MAX_VALUE runs all whole (the naive twin). */
  public void bandFloats(long floats) {
    this.bandFloats = Math.max(1, floats);
  }

  /**
   * The posterior's moments for images [B, 3, H, W] in [-1, 1]: [B, 2 x latent, h, w], mean first,
   * then log-variance (vae.py DiagonalGaussianDistribution clamps it to [-30, 20] when used).
   */
  public NDArray encodeMoments(NDArray x) {
    try (Scope scope = Scope.open(x)) {
      // Each link frees its input as soon as its output exists (Scope.chain).
      NDArray h = encConvIn.forward(x); // [B, C0, H, W]
      int r = 0;
      for (int i = 0; i < encDown.length; i++) {
        for (int j = 0; j < encResnetsPerBlock[i]; j++) {
          Resnet resnet = encResnets.get(r++);
          h = Scope.chain(h, t -> resnet.forward(t, bandFloats)); // [B, Ci, H/2^i, W/2^i]
        }
        if (encDown[i] != null) {
          Conv2d down = encDown[i];
          h = Scope.chain(h, t -> down.forward(Resample.padRightBottom(t)));
          // h: [B, Ci, H/2^(i+1), W/2^(i+1)]
        }
      }
      h = Scope.chain(h, t -> encMid.forward(t, bandFloats)); // [B, Cn, h, w]
      h = Scope.chain(h, t -> encConvOut.forward(encNormOut.forwardSilu(t))); // [B, 2L, h, w]
      return scope.keep(quantConv.forward(h)); // [B, 2L, h, w]
    }
  }

  /**
   * Decodes latents z [B, L, h, w] (already divided by scaling_factor) to images [B, 3, H, W],
   * about [-1, 1].
   */
  public NDArray decode(NDArray z) {
    try (Scope scope = Scope.open(z)) {
      // Each link frees its input as soon as its output exists (Scope.chain): at most about three
      // full-resolution tensors are alive at once instead of every intermediate of the decoder.
      NDArray h = postQuantConv.forward(z); // [B, L, h, w]
      h = Scope.chain(h, decConvIn::forward); // [B, Cn, h, w]
      h = Scope.chain(h, t -> decMid.forward(t, bandFloats)); // [B, Cn, h, w]
      for (int i = 0; i < decBlocks.size(); i++) {
        for (Resnet r : decBlocks.get(i)) {
          h = Scope.chain(h, t -> r.forward(t, bandFloats)); // [B, C, h 2^i, w 2^i]
        }
        if (decUp[i] != null) {
          Conv2d up = decUp[i];
          h = Scope.chain(h, t -> upsample(up, t)); // [B, C, 2h', 2w']
        }
      }
      h = Scope.chain(h, this::decodeHead); // [B, 3, H, W]
      return scope.keep(h);
    }
  }

  /** up.conv(nearest2x(x)): {@code [B, C, h, w] -> [B, C, 2h, 2w]}. */
  private NDArray upsample(Conv2d up, NDArray x) {
    if (4 * x.getShape().size() <= bandFloats) {
      return up.forward(Resample.nearest2x(x)); // [B, C, 2h, 2w]
    }
    return RowBands.upsampleConv(up, x, bandFloats); // [B, C, 2h, 2w]
  }

  /** conv_out(SiLU(conv_norm_out(x))): {@code [B, C0, H, W] -> [B, 3, H, W]}. */
  private NDArray decodeHead(NDArray x) {
    if (x.getShape().size() <= bandFloats) {
      return decConvOut.forward(decNormOut.forwardSilu(x)); // [B, 3, H, W]
    }
    return RowBands.normSiluConv(decNormOut, decConvOut, x, null, bandFloats); // [B, 3, H, W]
  }

  /** ResnetBlock2D without a time embedding (resnet.py; temb_channels None, eps 1e-6). */
  private static final class Resnet {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d shortcut; // 1x1 when in != out, else null

    Resnet(Parameters p, int in, int out, int groups) {
      norm1 = GroupNorm.load(p, "norm1", groups, in, EPS);
      conv1 = Conv2d.load3x3(p, "conv1", in, out);
      norm2 = GroupNorm.load(p, "norm2", groups, out, EPS);
      conv2 = Conv2d.load3x3(p, "conv2", out, out);
      shortcut = in != out ? Conv2d.load(p, "conv_shortcut", in, out, 1, 1, 0) : null;
    }

    /** {@code [B, in, H, W] -> [B, out, H, W]}, by row bands when large. */
    NDArray forward(NDArray x, long bandFloats) {
      long in = x.getShape().get(1);
      long out = conv1.out();
      if (x.getShape().size() / in * Math.max(in, out) <= bandFloats) {
        return forward(x);
      }
      // By row bands: only x, h and the output exist whole.
      NDArray h = RowBands.normSiluConv(norm1, conv1, x, null, bandFloats); // [B, out, H, W]
      NDArray y;
      try (Conv2d.Prepared skip = shortcut == null ? null : shortcut.prepare()) {
        RowBands.Rows residual =
            (r0, r1) -> {
              NDArray xr = x.get(new NDIndex(":, :, {}:{}, :", r0, r1)); // [B, in, r, W]
              if (skip == null) {
                return xr;
              }
              NDArray projected = skip.forward(xr); // [B, out, r, W]
              xr.close();
              return projected;
            };
        y = RowBands.normSiluConv(norm2, conv2, h, residual, bandFloats); // [B, out, H, W]
      }
      h.close();
      return y;
    }

    /** The whole path, the banded one's naive twin. */
    NDArray forward(NDArray x) {
      // Each full-size intermediate is closed once used: at 1024x1024 these blocks are the
      // decoder's peak (docs/engine.md, "Memory").
      NDArray n = norm1.forwardSilu(x); // [B, in, H, W]
      NDArray h = conv1.forward(n); // [B, out, H, W]
      n.close();
      n = norm2.forwardSilu(h); // [B, out, H, W]
      h.close();
      h = conv2.forward(n); // [B, out, H, W]; dropout is identity
      n.close();
      if (shortcut == null) {
        return h.addi(x); // [B, out, H, W], output_scale_factor 1
      }
      NDArray skip = shortcut.forward(x); // [B, out, H, W]
      h.addi(skip); // [B, out, H, W]
      skip.close();
      return h;
    }
  }

  /** UNetMidBlock2D: resnet, single-head spatial self-attention with residual, resnet. */
  private static final class MidBlock {
    private final Resnet first;
    private final GroupNorm attnNorm;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear out;
    private final Resnet second;

    MidBlock(Parameters p, int c, int groups) {
      first = new Resnet(p.prefix("resnets.0"), c, c, groups);
      Parameters a = p.prefix("attentions.0");
      attnNorm = GroupNorm.load(a, "group_norm", groups, c, EPS);
      // Older diffusers files name these query/key/value/proj_attn (modeling_utils.py
      // _fix_state_dict_keys_on_load); both forms load.
      q = linear(a, "to_q", "query", c);
      k = linear(a, "to_k", "key", c);
      v = linear(a, "to_v", "value", c);
      out = linear(a, "to_out.0", "proj_attn", c);
      second = new Resnet(p.prefix("resnets.1"), c, c, groups);
    }

    private static Linear linear(Parameters a, String name, String legacy, int c) {
      String base = a.contains(name + ".weight") || !a.contains(legacy + ".weight") ? name : legacy;
      return Linear.load(a, base, c, c, true);
    }

    NDArray forward(NDArray x, long bandFloats) {
      NDArray h = first.forward(x, bandFloats); // [B, C, h, w]
      Shape s = h.getShape();
      long b = s.get(0);
      long c = s.get(1);
      long hw = s.get(2) * s.get(3);
      NDArray t = attnNorm.forward(h).reshape(b, c, hw).transpose(0, 2, 1); // [B, hw, C]
      NDArray a =
          Attention.attend(q.forward(t), k.forward(t), v.forward(t), 1, false); // [B, hw, C]
      a = out.forward(a).transpose(0, 2, 1).reshape(s); // [B, C, h, w]
      h = h.add(a); // [B, C, h, w], residual, rescale_output_factor 1
      return second.forward(h, bandFloats); // [B, C, h, w]
    }
  }
}
