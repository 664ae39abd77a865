package dev.stepwise.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.Devices;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.sampling.Latents;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise bench}: the engine's speed and memory figures, printed as a table. Not a test:
 * numbers move from run to run; compare ratios measured in one run.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measures conv peak, UNet step time, decode time, preview overhead and memory.")
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", description = "Small pack to measure (default: the built-in model).")
  Path model;

  @Option(names = "--sd15", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also measure the Stable Diffusion 1.5 UNet shape with random weights (default: on).")
  boolean sd15;

  @Option(names = "--latents", split = ",", defaultValue = "16,64",
      description = "Latent sides for the SD 1.5 shape (default ${DEFAULT-VALUE}).")
  int[] latents;

  @Option(names = "--memory-steps", defaultValue = "1000",
      description = "Steps of the small pack run between the two memory readings (default ${DEFAULT-VALUE}).")
  int memorySteps;

  @Option(names = "--repeat", defaultValue = "5", description = "Timed repetitions per figure (median reported).")
  int repeat;

  private PrintWriter out;

  @Override
  public Integer call() throws IOException {
    out = spec.commandLine().getOut();
    Device device = Devices.best();
    out.printf(Locale.ROOT, "Stepwise bench on %s, %d cores, threads %s%n", Devices.describe(device),
        Runtime.getRuntime().availableProcessors(), System.getProperty("ai.djl.pytorch.num_threads", "default"));
    double peak = convPeak(device);
    out.printf(Locale.ROOT, "conv peak: 3x3 conv, batch 2, 128->128 ch, 64x64, fp32: %.2f ms = %.0f GFLOP/s%n", peakMs, peak);
    Path pack = model != null ? model : ModelLocator.builtIn();
    if (Files.isDirectory(pack)) {
      smallPack(pack, device, peak);
    } else {
      out.println("small pack: none at " + pack + " (pass --model)");
    }
    if (sd15) {
      for (int side : latents) {
        UNetBenchmark.Result r = UNetBenchmark.sd15(device, side, repeat);
        out.printf(Locale.ROOT,
            "SD 1.5 UNet shape (random weights), %dx%d latent, guided step (batch 2): %.0f ms, %.1f GFLOP -> %.0f GFLOP/s = %.0f%% of conv peak%n",
            side, side, r.msPerStep(), r.gflopPerStep(), r.gflopPerStep() / (r.msPerStep() / 1000), 100 * r.gflopPerStep() / (r.msPerStep() / 1000) / peak);
      }
    }
    out.flush();
    return 0;
  }

  private double peakMs;

  /** Best-of time of the reference conv (stack-recipe.md): 2 FLOP per multiply-add. */
  private double convPeak(Device device) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray x = m.randomNormal(new Shape(2, 128, 64, 64)); // [B, Cin, H, W]
      NDArray w = m.randomNormal(new Shape(128, 128, 3, 3)); // [Cout, Cin, kh, kw]
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 20; i++) {
        try (NDManager s = m.newSubManager()) {
          NDArray xs = x.duplicate();
          xs.attach(s);
          long t0 = System.nanoTime();
          NDArray y = Conv2d.conv2d(xs, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow(); // [2, 128, 64, 64]
          y.toFloatArray();
          best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
      }
      peakMs = best;
      double flop = 2.0 * 2 * 128 * 128 * 9 * 64 * 64;
      return flop / (best / 1000) / 1e9;
    }
  }

  private void smallPack(Path pack, Device device, double peak) {
    try (DiffusionModel m = DiffusionModel.load(pack, device)) {
      Pipeline p = new Pipeline(m);
      GenerationRequest base = GenerationRequest.builder().prompt("a red heart").steps(20).guidanceScale(5).seed(1).previewMethod(PreviewMethod.NONE).build();
      p.run(base.toBuilder().steps(2).build(), new GenerationListener() {}, new CancellationToken()); // warm-up
      // Interleaved A/B runs (none, cheap, none, cheap, ...): this VM's speed drifts between runs.
      double[] noneRuns = new double[repeat];
      double[] cheapRuns = new double[repeat];
      GenerationRequest cheapReq = base.toBuilder().previewMethod(PreviewMethod.CHEAP).build();
      for (int i = 0; i < repeat; i++) {
        noneRuns[i] = stepMs(p, base);
        cheapRuns[i] = stepMs(p, cheapReq);
      }
      double none = median(noneRuns);
      double cheap = median(cheapRuns);
      GenerationRequest resolved = p.resolve(base);
      long t0 = System.nanoTime();
      int h = resolved.height() / m.info().vaeFactor();
      int w = resolved.width() / m.info().vaeFactor();
      double decodeMs = Double.MAX_VALUE;
      for (int i = 0; i < repeat; i++) {
        t0 = System.nanoTime();
        m.decodeToPixels(new float[m.latentChannels() * h * w], 1, h, w);
        decodeMs = Math.min(decodeMs, (System.nanoTime() - t0) / 1e6);
      }
      long g0 = System.nanoTime();
      p.run(base, new GenerationListener() {}, new CancellationToken());
      double imageS = (System.nanoTime() - g0) / 1e9;
      out.printf(Locale.ROOT, "small pack %s (%dx%d): guided step %.2f ms; decode %.1f ms; one 20-step image %.2f s = %.2f images/s%n",
          m.info().name(), resolved.width(), resolved.height(), none, decodeMs, imageS, 1 / imageS);
      double projectMs = projectionMs(m, h, w);
      out.printf(Locale.ROOT,
          "cheap preview: projection %.3f ms = %.2f%% of a step; steps with previews %.2f ms vs %.2f ms without (%+.1f%%, run-to-run noise included)%n",
          projectMs, 100 * projectMs / none, cheap, none, 100 * (cheap - none) / none);
      long rss0 = rssBytes();
      int images = Math.max(1, memorySteps / 50);
      p.run(base.toBuilder().steps(50).batch(images).build(), new GenerationListener() {}, new CancellationToken());
      long rss1 = rssBytes();
      p.run(base.toBuilder().steps(50).batch(images).build(), new GenerationListener() {}, new CancellationToken());
      long rss2 = rssBytes();
      out.printf(Locale.ROOT, "resident memory: %.0f MB before, %.0f MB after %d steps, %.0f MB after %d more%n",
          rss0 / 1e6, rss1 / 1e6, images * 50, rss2 / 1e6, images * 50);
    }
  }

  /** Mean time per step of one run, from the step events' timestamps (first step excluded). */
  private static double stepMs(Pipeline p, GenerationRequest r) {
    List<Long> stamps = new ArrayList<>();
    p.run(r, new GenerationListener() {
      @Override
      public void step(StepEvent e) {
        stamps.add(System.nanoTime());
      }
    }, new CancellationToken());
    return (stamps.get(stamps.size() - 1) - stamps.get(0)) / 1e6 / (stamps.size() - 1);
  }

  /** The cheap preview alone: projecting one image's latents, averaged over many calls. */
  private static double projectionMs(DiffusionModel m, int h, int w) {
    Latents lat = Latents.initialNoise(1, 1, m.latentChannels(), h, w);
    int n = 2000;
    for (int i = 0; i < n; i++) {
      m.preview().project(lat, 0); // warm-up
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      m.preview().project(lat, 0);
    }
    return (System.nanoTime() - t0) / 1e6 / n;
  }

  private static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  /** VmRSS of this process from /proc, or -1 where there is none. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return -1;
  }
}
