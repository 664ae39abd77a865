package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.prompt.Embedding;
import dev.stepwise.engine.prompt.Embeddings;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.recipe.SizeConditioning;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the UNet is conditioned on for one request: the text contexts ({@code contexts}: one batch
 * [1, L, D] or [uncond, cond] as [2, L, D], or uncond [1, L', D] and cond [1, L, D] when their
 * lengths differ) and, for SDXL, the pooled text embeddings ({@code pooled}) and the time ids
 * ({@code timeIds}, [B, K]: six for SDXL base, five for the refiner) batched the same way; those
 * two are null for SD 1.x / 2.x.
 */
record Conditioning(NDArray[] contexts, NDArray[] pooled, NDArray[] timeIds) {

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
    return sdxl(
        text,
        prompt,
        negative,
        guided,
        clipSkip,
        SizeConditioning.DEFAULT,
        width,
        height,
        Embeddings.none(),
        new LinkedHashSet<>(),
        job,
        notices);
  }

  /**
   * As above, with the time ids of {@code sizes} ({@link SdxlText#timeIds}; the refiner's carry the
   * aesthetic score, 6 for the prompt and 2.5 for the negative) and the names of SDXL {@code
   * embeddings} in either prompt as their vectors ({@link SdxlText#encode(String, String,
   * Embeddings, Set, NDManager, List)}), those used added to {@code used}.
   */
  static Conditioning sdxl(
      SdxlText text,
      String prompt,
      String negative,
      boolean guided,
      int clipSkip,
      SizeConditioning sizes,
      int width,
      int height,
      Embeddings embeddings,
      Set<Embedding> used,
      NDManager job,
      List<String> notices) {
    if (clipSkip > 1) {
      notices.add(
          "Clip skip "
              + clipSkip
              + " has no effect on SDXL models yet; they use both text encoders' penultimate"
              + " layers, as diffusers does.");
    }
    SdxlText.Encoded cond = text.encode(prompt, "prompt", embeddings, used, job, notices);
    // cond: [1, L, D], [1, P]
    NDArray ids = text.timeIds(job, sizes, width, height, false); // [1, K]
    if (!guided) {
      return new Conditioning(
          new NDArray[] {cond.context()}, new NDArray[] {cond.pooled()}, new NDArray[] {ids});
    }
    SdxlText.Encoded uncond =
        text.encode(negative, "negative prompt", embeddings, used, job, notices);
    NDArray negIds = text.timeIds(job, sizes, width, height, true); // [1, K]
    if (uncond.context().getShape().get(1) != cond.context().getShape().get(1)) {
      // Chunk counts differ: the network runs once for each, as for SD 1.x / 2.x.
      return new Conditioning(
          new NDArray[] {uncond.context(), cond.context()}, // [1, L', D], [1, L, D]
          new NDArray[] {uncond.pooled(), cond.pooled()}, // [1, P] each
          new NDArray[] {negIds, ids}); // [1, K] each
    }
    return new Conditioning(
        new NDArray[] {uncond.context().concat(cond.context(), 0)}, // [2, L, D]
        new NDArray[] {uncond.pooled().concat(cond.pooled(), 0)}, // [2, P]
        new NDArray[] {negIds.concat(ids, 0)}); // [2, K]
  }

  /** The UNet on {@code x} [B, C, h, w] at {@code t} [B] under context batch {@code k}. */
  NDArray unet(UNet2DConditionModel unet, NDArray x, NDArray t, int k) {
    if (pooled == null) {
      return unet.forward(x, t, contexts[k]); // [B, C, h, w]
    }
    return unet.forward(x, t, contexts[k], pooled[k], timeIds[k]); // [B, C, h, w]
  }
}
