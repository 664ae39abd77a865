package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * AUTOMATIC1111's "revert VAE to 32-bit" (modules/processing.py decode_latent_batch with {@code
 * auto_vae_precision}): a decode run in half precision whose output is not finite is done again in
 * 32-bit, with a notice. The stock SDXL autoencoder needs it: its decoder's activations pass fp16's
 * largest value, 65504, and come out infinite or not-a-number. diffusers instead upcasts such
 * autoencoders before every decode ({@code force_upcast} in vae/config.json).
 *
 * <p>What runs in half precision today: nothing. Weights may be held as fp16 ({@code
 * WeightPrecision.AS_STORED}), but every layer widens them and computes in fp32, on the CPU and on
 * a GPU alike, so a decode cannot overflow in the fp16 sense. The guard sits where a half-precision
 * decode would plug in ({@link VaeSlot}); until one exists only the tests give it a half pass.
 */
final class VaeOverflow {
  static final String NOTICE =
      "The autoencoder overflowed in half precision; decoded again in 32-bit.";

  /** One way to run the decoder: scaled-down latents [B, C, h, w] to images [B, 3, H, W]. */
  interface Pass {
    NDArray decode(NDArray z);
  }

  private VaeOverflow() {}

  /** Whether every value of {@code x} is a finite number. */
  static boolean finite(NDArray x) {
    try (NDArray nan = x.isNaN();
        NDArray inf = x.isInfinite();
        NDArray bad = nan.logicalOr(inf);
        NDArray any = bad.any()) {
      return !any.getBoolean();
    }
  }

  /**
   * Decodes {@code z} [B, C, h, w] with {@code half} when there is one, and again with {@code fp32}
   * when that output [B, 3, H, W] is not finite ({@link #NOTICE} added to {@code notices}); without
   * a half pass, {@code fp32} alone. An fp32 output that is still not finite is returned as it is:
   * the caller's finiteness check names the image and its seed.
   */
  static NDArray decode(NDArray z, Pass half, Pass fp32, List<String> notices) {
    if (half == null) {
      return fp32.decode(z); // [B, 3, H, W]
    }
    NDArray x = half.decode(z); // [B, 3, H, W]
    if (finite(x)) {
      return x;
    }
    x.close();
    if (!notices.contains(NOTICE)) {
      notices.add(NOTICE);
    }
    return fp32.decode(z); // [B, 3, H, W]
  }
}
