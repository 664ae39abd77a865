package dev.stepwise.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Sinusoidal timestep features (Vaswani et al. 2017 sec. 3.5; diffusers embeddings.py
 * get_timestep_embedding), computed in float32 in the same order as diffusers.
 */
public final class Timesteps {
  private Timesteps() {}

  /**
   * Embeds {@code t [B]} (fractional values allowed) as {@code [B, dim]}: with half = dim/2, freq_i
   * = exp(-ln(10000) * i / (half - freqShift)), features [sin(t freq), cos(t freq)], swapped to
   * [cos, sin] when {@code flipSinToCos}; an odd {@code dim} gets a final zero column.
   */
  public static NDArray sinusoidal(NDArray t, int dim, boolean flipSinToCos, double freqShift) {
    int half = dim / 2;
    NDManager m = t.getManager();
    long b = t.getShape().size();
    NDArray exponent =
        m.arange(0, half, 1, DataType.FLOAT32)
            .mul((float) -Math.log(10000.0))
            .div((float) (half - freqShift)); // [half]
    NDArray freqs = exponent.exp(); // [half]
    NDArray args = t.toType(DataType.FLOAT32, false).reshape(b, 1).mul(freqs.reshape(1, half));
    // args: [B, half]
    NDArray sin = args.sin(); // [B, half]
    NDArray cos = args.cos(); // [B, half]
    NDArray emb = flipSinToCos ? cos.concat(sin, 1) : sin.concat(cos, 1); // [B, 2*half]
    if (dim % 2 == 1) {
      emb = emb.concat(m.zeros(new ai.djl.ndarray.types.Shape(b, 1)), 1); // [B, dim]
    }
    return emb;
  }
}
