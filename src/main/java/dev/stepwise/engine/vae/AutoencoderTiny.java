package dev.stepwise.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Activations;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder of diffusers' AutoencoderTiny (models/autoencoders/autoencoder_tiny.py; vae.py
 * DecoderTiny; unets/unet_2d_blocks.py AutoencoderTinyBlock), which wraps madebyollin/taesd
 * taesd.py (Decoder, Block, Clamp). Only the decoder: Stepwise uses it for live previews. The
 * PyTorch reference is models/training/stepwise_train/tiny_vae.py.
 *
 * <p>Weights have diffusers' keys {@code decoder.layers.N.*}: layers.0 is the first conv, layers.1
 * its activation, then per stage its blocks, an Upsample (no weights) unless last, and the stage's
 * conv. Shapes: B = batch, L = latent channels, C = the decoder's width, h x w = latent, f = the
 * total factor. Instances are immutable; {@link #decode} may run on any thread.
 */
public final class AutoencoderTiny {
  private final TinyVaeConfig config;
  private final String act;
  private final Conv2d convIn; // layers.0: 3x3 L -> C, bias
  private final List<Block[]> stageBlocks = new ArrayList<>(); // per stage
  private final Conv2d[]
      stageConvs; // per stage: 3x3 C -> C without bias, the last C -> 3 with bias

  public AutoencoderTiny(TinyVaeConfig c, Parameters p) {
    this.config = c;
    this.act = c.actFn();
    Parameters layers = p.prefix("decoder.layers");
    int width = c.width();
    int[] blocks = c.numDecoderBlocks();
    int n = blocks.length;
    convIn = Conv2d.load3x3(layers, "0", c.latentChannels(), width);
    int index = 2; // layers.1 is the activation
    stageConvs = new Conv2d[n];
    for (int i = 0; i < n; i++) {
      Block[] stage = new Block[blocks[i]];
      for (int j = 0; j < blocks[i]; j++) {
        stage[j] = new Block(layers.prefix(Integer.toString(index++)), width, width, act);
      }
      stageBlocks.add(stage);
      boolean last = i == n - 1;
      if (!last) {
        index++; // nn.Upsample(scale_factor, mode=upsample_fn): no weights
        Parameters q = layers.prefix(Integer.toString(index++));
        stageConvs[i] =
            Conv2d.of(q.get("weight", width, width, 3, 3), null, 1, 1); // [C, C, 3, 3], no bias
      } else {
        stageConvs[i] = Conv2d.load3x3(layers, Integer.toString(index++), width, c.outChannels());
      }
    }
  }

  public TinyVaeConfig config() {
    return config;
  }

  /**
   * Decodes latents z [B, L, h, w] (the sampler's latents already divided by scaling_factor) to
   * images [B, 3, h f, w f], about [-1, 1] (vae.py DecoderTiny.forward).
   */
  public NDArray decode(NDArray z) {
    try (Scope scope = Scope.open(z)) {
      // vae.py DecoderTiny: "scale image from [0, 1] to [-1, 1] to match diffusers convention"
      return scope.keep(decodeUnit(z).mul(2f).sub(1f)); // [B, 3, h f, w f]
    }
  }

  /**
   * The decoder's layers without diffusers' final rescaling: images in about [0, 1], taesd.py's own
   * convention (Decoder's output). {@link #decode} is {@code decodeUnit(z) * 2 - 1}; a preview that
   * wants [0, 1] pixels saves the round trip (two fewer passes over the image).
   */
  public NDArray decodeUnit(NDArray z) {
    try (Scope scope = Scope.open(z)) {
      // Each link frees its input as soon as its output exists (Scope.chain).
      NDArray x = z.div(3f).tanh().mul(3f); // [B, L, h, w], taesd.py Clamp: tanh(x / 3) * 3
      x = Scope.chain(x, t -> activation(convIn.forward(t), act)); // [B, C, h, w]
      int f = config.upsamplingScalingFactor();
      for (int i = 0; i < stageConvs.length; i++) {
        for (Block b : stageBlocks.get(i)) {
          x = Scope.chain(x, b::forward); // [B, C, h f^i, w f^i]
        }
        if (i < stageConvs.length - 1) {
          x = Scope.chain(x, t -> upsample(t, f, config.upsampleFn()));
          // x: [B, C, h f^(i+1), w f^(i+1)]
        }
        x = Scope.chain(x, stageConvs[i]::forward); // [B, C, ...]; the last: [B, 3, h f, w f]
      }
      return scope.keep(x); // [B, 3, h f, w f], about [0, 1]
    }
  }

  /**
   * nn.Upsample(scale_factor=f, mode) of DecoderTiny: "nearest" (source index floor(dst / f)) or
   * "bilinear" with align_corners=False (nn.Upsample's default). DJL's PyTorch engine maps
   * interpolation mode 0 to torch::kNearest and 1 to torch::kBilinear with align_corners false
   * (PtNDArrayEx.getInterpolationMode; pytorch-native djl_pytorch_utils.h GetInterpolationMode);
   * for bilinear it also sets antialias, which for upsampling weighs the same two neighbours
   * (measured against F.interpolate: within 1e-6 for factors 2 and 3).
   */
  public static NDArray upsample(NDArray x, int f, String mode) {
    if (f == 1) {
      return x; // [B, C, H, W]: both modes are the identity at scale 1
    }
    Shape s = x.getShape();
    long[] size = {s.get(2) * f, s.get(3) * f};
    int djlMode = mode.equals("bilinear") ? 1 : 0;
    return x.getNDArrayInternal().interpolation(size, djlMode, false); // [B, C, H f, W f]
  }

  /** diffusers activations.py get_activation: relu, silu / swish, gelu (exact erf form). */
  static NDArray activation(NDArray x, String act) {
    return switch (act) {
      case "relu" -> x.getNDArrayInternal().relu(); // [same]
      case "silu", "swish" -> Activations.silu(x); // [same]
      case "gelu" -> Activations.gelu(x); // [same]
      default -> throw new IllegalStateException("act_fn " + act + " was not validated.");
    };
  }

  /**
   * AutoencoderTinyBlock(n, m): conv.0 (3x3) - act - conv.2 - act - conv.4, plus skip (identity, or
   * a 1x1 conv without bias when n != m), then fuse. The fuse is nn.ReLU whatever act_fn is
   * (unet_2d_blocks.py AutoencoderTinyBlock: self.fuse = nn.ReLU(); taesd.py Block likewise).
   */
  private static final class Block {
    private final Conv2d conv0;
    private final Conv2d conv2;
    private final Conv2d conv4;
    private final Conv2d skip; // null: identity
    private final String act;

    Block(Parameters p, int in, int out, String act) {
      this.act = act;
      conv0 = Conv2d.load3x3(p, "conv.0", in, out);
      conv2 = Conv2d.load3x3(p, "conv.2", out, out);
      conv4 = Conv2d.load3x3(p, "conv.4", out, out);
      skip =
          in != out
              ? Conv2d.of(p.get("skip.weight", out, in, 1, 1), null, 1, 0)
              : null; // [out, in, 1, 1]
    }

    NDArray forward(NDArray x) {
      NDArray h = activation(conv0.forward(x), act); // [B, out, H, W]
      h = activation(conv2.forward(h), act); // [B, out, H, W]
      h = conv4.forward(h); // [B, out, H, W]
      NDArray s = skip == null ? x : skip.forward(x); // [B, out, H, W]
      return h.add(s).getNDArrayInternal().relu(); // [B, out, H, W], fuse = ReLU
    }
  }
}
