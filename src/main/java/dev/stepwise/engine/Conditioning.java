package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import java.util.List;

/**
 * What the UNet is conditioned on for one request: the text contexts ({@code contexts}: one batch
 * [1, L, D] or [uncond, cond] as [2, L, D], or uncond [1, L', D] and cond [1, L, D] when their
 * lengths differ) and, for SDXL, the pooled text embeddings batched the same way ({@code pooled})
 * and the time ids [1, 6] every batch item shares ({@code timeIds}); those two are null for SD 1.x
 * / 2.x.
 */
record Conditioning(NDArray[] contexts, NDArray[] pooled, NDArray timeIds) {

  /** SD 1.x / 2.x: text contexts only. */
  static Conditioning of(NDArray[] contexts) {
    return new Conditioning(contexts, null, null);
  }

  /**
   * SDXL: the prompt and (when guided) the negative prompt through both text encoders, batched
   * [uncond, cond], with time ids for a {@code width} x {@code height} image (original size =
   * target size = the image's, crop (0, 0): diffusers' defaults).
   */
  static Conditioning sdxl(
      SdxlText text,
      String prompt,
      String negative,
      boolean guided,
      int clipSkip,
      int width,
      int height,
      NDManager job,
      List<String> notices) {
    if (clipSkip > 1) {
      notices.add(
          "Clip skip "
              + clipSkip
              + " has no effect on SDXL models yet; they use both text encoders' penultimate"
              + " layers, as diffusers does.");
    }
    SdxlText.Encoded cond = text.encode(prompt, "prompt", job, notices); // [1, L, D], [1, P]
    int[] size = {height, width};
    NDArray ids = SdxlText.timeIds(job, size, new int[] {0, 0}, size); // [1, 6]
    if (!guided) {
      return new Conditioning(new NDArray[] {cond.context()}, new NDArray[] {cond.pooled()}, ids);
    }
    SdxlText.Encoded uncond = text.encode(negative, "negative prompt", job, notices);
    if (uncond.context().getShape().get(1) != cond.context().getShape().get(1)) {
      // Chunk counts differ: the network runs once for each, as for SD 1.x / 2.x.
      return new Conditioning(
          new NDArray[] {uncond.context(), cond.context()}, // [1, L', D], [1, L, D]
          new NDArray[] {uncond.pooled(), cond.pooled()}, // [1, P] each
          ids);
    }
    return new Conditioning(
        new NDArray[] {uncond.context().concat(cond.context(), 0)}, // [2, L, D]
        new NDArray[] {uncond.pooled().concat(cond.pooled(), 0)}, // [2, P]
        ids);
  }

  /** The UNet on {@code x} [B, C, h, w] at {@code t} [B] under context batch {@code k}. */
  NDArray unet(UNet2DConditionModel unet, NDArray x, NDArray t, int k) {
    if (pooled == null) {
      return unet.forward(x, t, contexts[k]); // [B, C, h, w]
    }
    long b = x.getShape().get(0);
    NDArray ids = timeIds.repeat(0, b); // [B, 6]
    return unet.forward(x, t, contexts[k], pooled[k], ids); // [B, C, h, w]
  }
}
