package dev.stepwise.engine.nn;

/**
 * The precision a model's large weights (the matrices of linear layers and the kernels of
 * convolutions) are held in between uses. Compute is fp32 whatever the choice: a half-precision
 * weight is widened to FLOAT32 per layer while the layer runs and the copy freed right after
 * (widening is exact, so the result is the fp32 layer's with the same values). Biases, norm scales
 * and embedding tables are always FLOAT32; they are a small part of a model.
 */
public enum WeightPrecision {
  /**
   * As the file stores them (the default): F16 stays FLOAT16, half the memory of FLOAT32; BF16
   * becomes FLOAT16 when every element converts exactly and FLOAT32 otherwise (DJL cannot hold
   * BF16); F32 stays FLOAT32. The results are those of loading everything as FLOAT32.
   */
  AS_STORED,

  /** Everything widened to FLOAT32 at load: twice the memory of fp16 files, a little faster. */
  FLOAT32,

  /**
   * As stored, and F32 weights narrowed to FLOAT16 as well (rounded to nearest): half the memory of
   * an fp32 file, but the results differ from the file's by that rounding. A tensor with a value
   * beyond FLOAT16's range (65504) stays FLOAT32.
   */
  HALF
}
