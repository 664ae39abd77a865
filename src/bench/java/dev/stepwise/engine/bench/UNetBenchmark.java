package dev.stepwise.engine.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.nn.FlopCounter;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Times the Stable Diffusion 1.5 UNet shape (random weights, 859,520,964 parameters) on a guided
 * step: one forward pass on a batch of 2 (unconditional and conditional), as the pipeline runs it.
 */
public final class UNetBenchmark {
  private UNetBenchmark() {}

  /**
   * Result of one measurement.
   *
   * @param msPerStep median wall time of one guided step
   * @param gflopPerStep floating-point work of that step, 2 FLOP per multiply-add, counted by the
   *     network's own convolution, linear and attention calls
   */
  public record Result(double msPerStep, double gflopPerStep) {}

  /** The SD 1.5 UNet config.json (diffusers' runwayml/stable-diffusion-v1-5 values). */
  public static UNetConfig sd15Config() {
    try (InputStream in = UNetBenchmark.class.getResourceAsStream("sd15-unet-config.json")) {
      JsonObject o =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonObject();
      return UNetConfig.fromJson(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Builds the SD 1.5 UNet with random weights and times {@code repeat} guided steps at {@code side
   * x side}.
   */
  public static Result sd15(Device device, int side, int repeat) {
    UNetConfig config = sd15Config();
    try (NDManager weights = NDManager.newBaseManager(device)) {
      UNet2DConditionModel unet =
          new UNet2DConditionModel(config, Parameters.random(RandomWeights.seeded(1), weights));
      return time(unet, weights, side, 77, config.crossAttentionDim(), repeat);
    }
  }

  /**
   * Times guided steps of {@code unet} at a {@code side x side} latent with a context of {@code
   * tokens x dim}.
   */
  public static Result time(
      UNet2DConditionModel unet, NDManager weights, int side, int tokens, int dim, int repeat) {
    double[] ms = new double[Math.max(1, repeat)];
    long flops = 0;
    try (NDManager job = weights.newSubManager()) {
      NDArray ctx = job.randomNormal(new Shape(2, tokens, dim)); // [2, L, D]
      NDArray x = job.randomNormal(new Shape(2, 4, side, side)); // [2, 4, h, w]
      NDArray t = job.full(new Shape(2), 500f); // [2]
      for (int i = -1; i < ms.length; i++) { // i = -1 warms up
        try (NDManager step = job.newSubManager()) {
          NDArray xs = x.duplicate();
          xs.attach(step);
          FlopCounter.start();
          long t0 = System.nanoTime();
          NDArray out = unet.forward(xs, t, ctx); // [2, 4, h, w]
          out.toFloatArray();
          long elapsed = System.nanoTime() - t0;
          flops = FlopCounter.stop();
          if (i >= 0) {
            ms[i] = elapsed / 1e6;
          }
        }
      }
    }
    Arrays.sort(ms);
    return new Result(ms[ms.length / 2], flops / 1e9);
  }
}
