package dev.stepwise.engine;

import dev.stepwise.engine.vae.AutoencoderKL;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * An estimate of the memory one generation needs, measured rather than derived, so that a size too
 * large for the machine is refused with a sentence before anything is allocated.
 *
 * <p>Peak resident memory = {@link #RUNTIME_BYTES} (JVM and libtorch) + the weights as loaded + the
 * activations of the larger of two phases, each fp32 and freed block by block as it runs
 * (Scope.chain):
 *
 * <ul>
 *   <li>the guided UNet step: {@link #UNET_FLOATS_PER_UNIT} x batch x the widest level's {@code C h
 *       w} (latent size): the skip stack, one block's temporaries (a transformer's feed-forward is
 *       12 such tensors), the C heap's slack;
 *   <li>the autoencoder's decode: {@link #DECODER_FLOATS_PER_UNIT} x the decoder's largest tensor
 *       (its widest channels at the highest resolution they reach, an upsampler's output included),
 *       {@link #BANDED_DECODER_FLOATS_PER_UNIT} when it runs by row bands;
 * </ul>
 *
 * plus attention's working set, three score chunks (Attention.DEFAULT_MAX_SCORES). The two
 * coefficients are the largest ratios measured (docs/engine.md, "Memory": the tiny test pack at
 * 128-1024 px, the built-in pack at 128-1024 px, the SD 1.5 shape at 64-512 px, peak RSS of one
 * 1-step image) rounded up: each measured peak lies 3-30% below its estimate.
 */
public final class MemoryEstimate {
  private MemoryEstimate() {}

  /** JVM and libtorch with their heaps: 189-226 MiB measured after loading a small pack. */
  public static final long RUNTIME_BYTES = 320L << 20;

  /** Floats of UNet activations per (batch x widest C h w): 73 measured (tiny pack, 1024 px). */
  static final long UNET_FLOATS_PER_UNIT = 96;

  /** Floats of decoder activations per largest decoder tensor: 5.4-7.1 measured. */
  static final long DECODER_FLOATS_PER_UNIT = 9;

  /** The same by row bands: 3.0-5.1 measured. */
  static final long BANDED_DECODER_FLOATS_PER_UNIT = 6;

  /** Attention's live score chunks (scores, their exponentials, a spare), bytes. */
  static final long ATTENTION_BYTES = 3 * 4 * dev.stepwise.engine.nn.Attention.DEFAULT_MAX_SCORES;

  /** Estimated activation bytes for one image at {@code width x height}, beyond the weights. */
  public static long bytesFor(DiffusionModel model, int width, int height, boolean guided) {
    return activationBytes(
        model.unetConfig().blockOutChannels(),
        model.vaeConfig().blockOutChannels(),
        model.info().vaeFactor(),
        width,
        height,
        guided);
  }

  /**
   * Estimated peak resident memory of a process that makes one such image, weights included. Text
   * encoders dropped once the prompts are encoded ({@link DiffusionModel#keepTextEncoders}) are
   * never resident with the UNet's activations: the larger of the two counts.
   */
  public static long peakBytes(DiffusionModel model, int width, int height, boolean guided) {
    long text = model.keepsTextEncoders() ? 0 : model.textEncoderBytes();
    long activations = bytesFor(model, width, height, guided);
    return RUNTIME_BYTES + model.weightBytes() - text + Math.max(activations, text);
  }

  /**
   * Activation bytes for UNet channels {@code unetCh} and autoencoder channels {@code vaeCh}
   * (config.json block_out_channels) with an autoencoder factor {@code f}, at {@code width x
   * height}.
   */
  static long activationBytes(
      int[] unetCh, int[] vaeCh, int f, int width, int height, boolean guided) {
    long h = Math.max(1, height / f);
    long w = Math.max(1, width / f);
    long batch = guided ? 2 : 1;
    long widest = 0; // max over levels of C h w at the latent size
    for (int level = 0; level < unetCh.length; level++) {
      long area = Math.max(1, (h >> level) * (w >> level));
      widest = Math.max(widest, unetCh[level] * area);
    }
    long unet = UNET_FLOATS_PER_UNIT * batch * widest;
    // The decoder runs vaeCh reversed, from the latent size up, doubling after every stage but the
    // last; a stage's first block reads the previous stage's channels, its upsampler writes its own
    // at twice the size.
    int n = vaeCh.length;
    long largest = 0;
    for (int i = 0; i < n; i++) {
      long area = (h << i) * (w << i);
      long in = vaeCh[i == 0 ? n - 1 : n - i]; // the previous stage's channels
      long c = vaeCh[n - 1 - i];
      largest = Math.max(largest, Math.max(in, c) * area);
      if (i < n - 1) {
        largest = Math.max(largest, c * area * 4);
      }
    }
    long decoder =
        (largest > AutoencoderKL.BAND_FLOATS
                ? BANDED_DECODER_FLOATS_PER_UNIT
                : DECODER_FLOATS_PER_UNIT)
            * largest;
    return 4 * Math.max(unet, decoder) + ATTENTION_BYTES;
  }

  /**
   * Throws {@link EngineException} when the activations' estimate exceeds the memory this machine
   * has free (the weights are already loaded, so they are not counted again).
   */
  public static void check(DiffusionModel model, int width, int height, boolean guided) {
    long need = bytesFor(model, width, height, guided);
    long available = availableBytes();
    if (available > 0 && need > available) {
      throw new EngineException(
          String.format(
              Locale.ROOT,
              "The image size %dx%d needs about %.1f GB of memory beyond the loaded model but only"
                  + " %.1f GB is free; choose a smaller size.",
              width,
              height,
              need / 1e9,
              available / 1e9));
    }
  }

  /** Memory the OS can give: Linux's MemAvailable, else free physical memory; -1 if unknown. */
  static long availableBytes() {
    String override = System.getProperty("stepwise.memory.available");
    if (override != null) {
      return Long.parseLong(override);
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getFreeMemorySize();
    }
    return -1;
  }
}
