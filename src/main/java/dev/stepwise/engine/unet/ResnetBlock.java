package dev.stepwise.engine.unet;

import ai.djl.ndarray.NDArray;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.GroupNorm;
import dev.stepwise.engine.nn.Linear;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.Scope;

/**
 * diffusers' ResnetBlock2D with a time embedding (models/resnet.py, time_embedding_norm "default"):
 * GroupNorm, SiLU, conv1, + time_emb_proj(SiLU(temb)), GroupNorm, SiLU, conv2, plus a 1x1
 * conv_shortcut when the channel count changes.
 */
final class ResnetBlock {
  private final GroupNorm norm1;
  private final Conv2d conv1;
  private final Linear timeEmbProj;
  private final GroupNorm norm2;
  private final Conv2d conv2;
  private final Conv2d shortcut; // null when in == out
  private final float outputScale;

  ResnetBlock(
      Parameters p, int in, int out, int temb, int groups, double eps, double outputScaleFactor) {
    norm1 = GroupNorm.load(p, "norm1", groups, in, eps);
    conv1 = Conv2d.load3x3(p, "conv1", in, out);
    timeEmbProj = Linear.load(p, "time_emb_proj", temb, out, true);
    norm2 = GroupNorm.load(p, "norm2", groups, out, eps);
    conv2 = Conv2d.load3x3(p, "conv2", out, out);
    shortcut = in != out ? Conv2d.load(p, "conv_shortcut", in, out, 1, 1, 0) : null;
    outputScale = (float) outputScaleFactor;
  }

  /** {@code x [B, in, H, W]}, {@code siluTemb [B, T]} (SiLU already applied) -> [B, out, H, W]. */
  NDArray forward(NDArray x, NDArray siluTemb) {
    try (Scope scope = Scope.open(x, siluTemb)) { // the block's temporaries end with it
      // Full-size intermediates are closed once used (docs/engine.md, "Memory").
      NDArray n = norm1.forwardSilu(x); // [B, in, H, W]
      NDArray h = conv1.forward(n); // [B, out, H, W]
      n.close();
      NDArray t = timeEmbProj.forward(siluTemb); // [B, out]
      long[] s = t.getShape().getShape();
      h.addi(t.reshape(s[0], s[1], 1, 1)); // [B, out, H, W]
      n = norm2.forwardSilu(h); // [B, out, H, W]
      h.close();
      h = conv2.forward(n); // [B, out, H, W]; dropout is identity at inference
      n.close();
      NDArray skip = shortcut == null ? x : shortcut.forward(x); // [B, out, H, W]
      NDArray y = skip.add(h); // [B, out, H, W]
      return scope.keep(outputScale == 1f ? y : y.div(outputScale)); // [B, out, H, W]
    }
  }
}
