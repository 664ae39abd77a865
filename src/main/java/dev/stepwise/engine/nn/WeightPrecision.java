package dev.stepwise.engine.nn;

/** How linear and conv weights are held; compute is fp32 (FLOAT16 is widened per call). */
public enum WeightPrecision {
  /** F16 stays FLOAT16; BF16 becomes FLOAT16 when exact, else FLOAT32; F32 stays FLOAT32. */
  AS_STORED,
  /** All FLOAT32: twice an fp16 file's memory, about 7% less CPU per step. */
  FLOAT32
}
