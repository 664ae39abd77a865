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
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Times the Stable Diffusion 1.5 UNet shape (random weights, 859,520,964 parameters) on a guided
 * step: one forward pass on a batch of 2 (unconditional and conditional), as the pipeline runs it.
 */
public final class UNetBenchmark {
  private UNetBenchmark() {}

  /**
   * Result of one measurement.
   *
   * @param step the guided step's figure (median, min, max of the timed steps; one untimed warm-up
   *     step first)
   * @param gflopPerStep floating-point work of that step, 2 FLOP per multiply-add, counted by the
   *     network's own convolution, linear and attention calls
   * @param peakRss the highest resident memory while the weights were built and the steps ran,
   *     bytes (-1 off Linux)
   */
  public record Result(Timing.Figure step, double gflopPerStep, long peakRss) {
    /** The median step, ms. */
    public double msPerStep() {
      return step.ms();
    }

    /** The achieved rate at the median step, GFLOP/s. */
    public double gflops() {
      return gflopPerStep / (step.ms() / 1000);
    }
  }

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
   * Builds {@code shape}'s UNet with random weights and times {@code repeat} guided steps at {@code
   * side x side} after one untimed step.
   */
  public static Result time(ModelShape shape, Device device, int side, int repeat) {
    return time(shape, device, side, repeat, WeightPrecision.AS_STORED);
  }

  /** {@link #time(ModelShape, Device, int, int)} with layer weights held in {@code precision}. */
  public static Result time(
      ModelShape shape, Device device, int side, int repeat, WeightPrecision precision) {
    UNetConfig config = shape.unet();
    RandomWeights random = RandomWeights.seeded(1);
    if (precision == WeightPrecision.FLOAT32) {
      random = random.float32();
    }
    try (Memory.PeakSampler rss = Memory.PeakSampler.start();
        NDManager weights = NDManager.newBaseManager(device)) {
      UNet2DConditionModel unet =
          new UNet2DConditionModel(config, Parameters.random(random, weights));
      Result r = time(unet, weights, side, shape.tokens(), config.crossAttentionDim(), repeat);
      return new Result(r.step(), r.gflopPerStep(), rss.peak());
    }
  }

  /**
   * Times guided steps of {@code unet} at a {@code side x side} latent with a context of {@code
   * tokens x dim}: one untimed warm-up step, then {@code repeat} timed ones.
   */
  public static Result time(
      UNet2DConditionModel unet, NDManager weights, int side, int tokens, int dim, int repeat) {
    double[] ms = new double[Math.max(1, repeat)];
    long flops = 0;
    try (NDManager job = weights.newSubManager();
        BenchRuns.Loop loop = BenchRuns.loop(1, ms.length)) {
      NDArray ctx = job.randomNormal(new Shape(2, tokens, dim)); // [2, L, D]
      NDArray x =
          job.randomNormal(new Shape(2, unet.config().inChannels(), side, side)); // [2, Cin, h, w]
      NDArray t = job.full(new Shape(2), 500f); // [2]
      for (int i = -1; i < ms.length; i++) { // i = -1 warms up
        loop.start();
        try (NDManager step = job.newSubManager()) {
          NDArray xs = x.duplicate();
          xs.attach(step);
          FlopCounter.start();
          long t0 = System.nanoTime();
          NDArray out = unet.forward(xs, t, ctx); // [2, Cout, h, w]
          out.toFloatArray();
          long elapsed = System.nanoTime() - t0;
          flops = FlopCounter.stop();
          if (i >= 0) {
            ms[i] = elapsed / 1e6;
          }
        }
        loop.end();
      }
    }
    return new Result(Timing.Figure.of(ms, 1, 1), flops / 1e9, -1);
  }
}
