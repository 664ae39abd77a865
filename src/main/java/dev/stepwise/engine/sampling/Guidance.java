package dev.stepwise.engine.sampling;

import dev.stepwise.engine.EngineException;

/**
 * Classifier-free guidance (Ho and Salimans 2022), in the convention of diffusers'
 * pipeline_stable_diffusion.py and AUTOMATIC1111.
 *
 * <p>Stepwise's guidance scale {@code s} is diffusers' {@code guidance_scale} and A1111's "CFG
 * scale": {@code out = uncond + s (cond - uncond)}. Ho and Salimans write {@code (1 + w) cond - w
 * uncond}, so {@code w = s - 1}; SD's usual 7.5 is w = 6.5. At {@code s <= 1} diffusers runs no
 * unconditional pass ({@code do_classifier_free_guidance} is {@code guidance_scale > 1}) and uses
 * the conditional output as is; {@link #needsUnconditional} encodes that rule. The formula is the
 * same for eps and v outputs.
 */
public final class Guidance {
  private Guidance() {}

  /** Returns whether {@code guidance} needs the unconditional model output ({@code s > 1}). */
  public static boolean needsUnconditional(double guidance) {
    check(guidance);
    return guidance > 1;
  }

  /**
   * Returns {@code uncond + s * (cond - uncond)} with s = {@code guidance}, element by element in
   * double, as a new array.
   */
  public static float[] combine(float[] uncond, float[] cond, double guidance) {
    check(guidance);
    if (uncond == null || cond == null || uncond.length != cond.length) {
      throw new EngineException(
          "Guidance needs unconditional and conditional outputs of the same length, got "
              + (uncond == null ? "none" : String.valueOf(uncond.length))
              + " and "
              + (cond == null ? "none" : String.valueOf(cond.length))
              + ".");
    }
    float[] out = new float[cond.length]; // [B, C, H, W]
    for (int k = 0; k < out.length; k++) {
      out[k] = (float) (uncond[k] + guidance * ((double) cond[k] - uncond[k]));
    }
    return out;
  }

  /**
   * The formula's own precondition (a finite, non-negative s). Requests reach here already within
   * {@code recipe.Settings}' limits; this guards direct callers of the two functions above.
   */
  private static void check(double guidance) {
    if (!Double.isFinite(guidance) || guidance < 0) {
      throw new EngineException(
          "The guidance scale must be a finite number of at least 0, got " + guidance + ".");
    }
  }
}
