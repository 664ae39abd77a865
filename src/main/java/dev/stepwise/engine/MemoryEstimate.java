package dev.stepwise.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A conservative estimate of the native memory one generation needs beyond the loaded weights, so
 * that a size too large for the machine is refused with a sentence before anything is allocated.
 *
 * <p>The dominant terms, all fp32: the UNet's activations at full latent resolution (the skip stack
 * keeps about {@code 2 (layers + 1)} tensors of {@code C0 h w} alive, the widest block a handful
 * more, and attention a chunk of the score matrix), and the autoencoder decoder at full image
 * resolution (about six tensors of {@code C_last H W} alive: group norm, convolutions and the
 * residual). The estimate is an upper bound within a small factor; it is not a promise.
 */
public final class MemoryEstimate {
  private MemoryEstimate() {}

  /** Bytes of attention scores the engine materialises at once, with headroom (see Attention). */
  static final long ATTENTION_CHUNK_BYTES =
      4 * 4 * dev.stepwise.engine.nn.Attention.DEFAULT_MAX_SCORES;

  /** Estimated peak bytes of activations for one image at {@code width x height}. */
  public static long bytesFor(DiffusionModel model, int width, int height, boolean guided) {
    int f = model.info().vaeFactor();
    long h = height / f;
    long w = width / f;
    long batch = guided ? 2 : 1;
    int[] unetCh = model.unetConfig().blockOutChannels();
    long unet = 0;
    long skips = 0;
    for (int level = 0; level < unetCh.length; level++) {
      long area = Math.max(1, (h >> level) * (w >> level));
      skips += (long) unetCh[level] * area * (model.unetConfig().layersPerBlock()[level] + 1);
      unet = Math.max(unet, 12L * unetCh[level] * area);
    }
    long unetBytes = 4 * batch * (unet + skips) + ATTENTION_CHUNK_BYTES;
    int[] vaeCh = model.vaeConfig().blockOutChannels();
    long vae = 0;
    for (int level = 0; level < vaeCh.length; level++) {
      long area = ((long) height >> level) * ((long) width >> level);
      vae = Math.max(vae, 6L * vaeCh[level] * area);
    }
    long vaeBytes = 4 * vae + ATTENTION_CHUNK_BYTES;
    return Math.max(unetBytes, vaeBytes);
  }

  /** Throws {@link EngineException} when the estimate exceeds the memory this machine has free. */
  public static void check(DiffusionModel model, int width, int height, boolean guided) {
    long need = bytesFor(model, width, height, guided);
    long available = availableBytes();
    if (available > 0 && need > available) {
      throw new EngineException(
          String.format(
              Locale.ROOT,
              "The image size %dx%d needs about %.1f GB of memory but only %.1f GB is free; choose"
                  + " a smaller size.",
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
