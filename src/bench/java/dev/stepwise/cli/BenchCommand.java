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
import dev.stepwise.engine.bench.FirstFrameBenchmark;
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.bench.PreviewBenchmark;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.preview.TinyDecoder;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.service.SamplingService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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

  @Option(
      names = "--sd15",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also measure the Stable Diffusion 1.5 UNet shape with random weights (default: on).")
  boolean sd15;

  @Option(
      names = "--latents",
      split = ",",
      defaultValue = "16,64",
      description = "Latent sides for the SD 1.5 shape (default ${DEFAULT-VALUE}).")
  int[] latents;

  @Option(
      names = "--memory-steps",
      defaultValue = "1000",
      description =
          "Steps of the small pack run between the two memory readings (default ${DEFAULT-VALUE}).")
  int memorySteps;

  @Option(
      names = "--repeat",
      defaultValue = "5",
      description = "Timed repetitions per figure (median reported).")
  int repeat;

  @Option(
      names = "--pack-steps",
      defaultValue = "20",
      description =
          "Steps per timed image of the small pack (default ${DEFAULT-VALUE}; at least 3).")
  int packSteps;

  @Option(
      names = "--preview-latent",
      defaultValue = "64",
      description =
          "Latent side of the SD 1.5 preview figures (default ${DEFAULT-VALUE} = a 512x512 image; 0"
              + " skips them); its guided step is measured too when --latents lacks it.")
  int previewLatent;

  @Option(
      names = "--sd15-vae",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also time the full SD 1.5 autoencoder decode, slow and a few GB (default: on).")
  boolean sd15Vae;

  @Option(
      names = "--preview-decoder",
      description = "Preview decoder to measure on the small pack instead of its own vae_preview/.")
  Path previewDecoder;

  /** Timed repetitions of the full SD 1.5 autoencoder decode (tens of seconds each on a CPU). */
  static final int SD15_VAE_REPEAT = 2;

  private PrintWriter out;

  @Override
  public Integer call() throws IOException {
    checkOptions();
    out = spec.commandLine().getOut();
    Device device = Devices.best();
    out.printf(
        Locale.ROOT,
        "Stepwise bench on %s, %d cores, threads %s%n",
        Devices.describe(device),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("ai.djl.pytorch.num_threads", "default"));
    out.println(
        "How to read it: every figure is a median of timed repetitions after untimed warm-ups"
            + " (each");
    out.println(
        "  line says how many). A guided step is one sampler step with classifier-free guidance"
            + " (the UNet");
    out.println(
        "  on a batch of 2, uncond + cond, plus the sampler update), no preview. A preview frame is"
            + " what the");
    out.println(
        "  engine does for one step's picture: decode or projection, clamp, RGB bytes, smooth"
            + " upscale to the");
    out.println(
        "  output size; its % is of one guided step of the same model and size."
            + " Generate-to-first-frame");
    out.println(
        "  also covers queueing, the text encoder and the first step (cold: the model load too).");
    out.flush();
    double peak = convPeak(device);
    out.printf(
        Locale.ROOT,
        "conv peak: 3x3 conv, batch 2, 128->128 ch, 64x64, fp32: %.2f ms = %.0f GFLOP/s%n",
        peakMs,
        peak);
    out.flush();
    Path pack = model != null ? model : ModelLocator.builtIn();
    if (Files.isDirectory(pack)) {
      firstFrame(pack, device);
      smallPack(pack, device, peak);
    } else {
      out.println("small pack: none at " + pack + " (pass --model)");
    }
    if (sd15) {
      Sd15ShapeBench shape = new Sd15ShapeBench(out, device, repeat, sd15Vae);
      Map<Integer, UNetBenchmark.Result> steps = new LinkedHashMap<>();
      for (int side : latents) {
        steps.put(side, shape.step(side, peak));
      }
      if (previewLatent > 0) {
        UNetBenchmark.Result step = steps.get(previewLatent);
        if (step == null) {
          step = shape.step(previewLatent, peak);
        }
        shape.previews(previewLatent, step);
      }
    }
    out.flush();
    return 0;
  }

  /** One preview line: " label: 1.23 ms = 4.5% of a guided step (median of ...)". */
  static void previewLine(
      PrintWriter out, String label, Timing.Figure f, double stepMs, String note) {
    out.printf(
        Locale.ROOT,
        "  %s: %s ms = %s%% of a guided step (%s%s)%n",
        label,
        fmt(f.ms()),
        pct(100 * f.ms() / stepMs),
        f.describe(),
        note);
    out.flush();
  }

  /** Milliseconds with about three significant digits. */
  static String fmt(double ms) {
    if (!Double.isFinite(ms)) {
      return "n/a";
    }
    double a = Math.abs(ms);
    String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
    return String.format(Locale.ROOT, pattern, ms);
  }

  static String pct(double p) {
    if (!Double.isFinite(p)) {
      return "n/a";
    }
    return String.format(
        Locale.ROOT, Math.abs(p) >= 10 ? "%.1f" : Math.abs(p) >= 0.1 ? "%.2f" : "%.3f", p);
  }

  static String mb(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f", bytes / 1e6);
  }

  /**
   * Generate to the first decoded frame through the sampling service (preview method auto): once
   * cold (a fresh service loading the model, the first network runs of this process), then warm.
   */
  private void firstFrame(Path pack, Device device) {
    GenerationRequest r =
        GenerationRequest.builder()
            .model(pack)
            .prompt("a red heart")
            .steps(20)
            .guidance(5)
            .seed(1)
            .previewMethod(PreviewMethod.AUTO)
            .previewDecoder(previewDecoder)
            .build();
    int jobs = Math.max(3, repeat);
    try (SamplingService service = new SamplingService(pack, device, DiffusionModel::load)) {
      FirstFrameBenchmark.Result cold =
          FirstFrameBenchmark.time(service, r); // also the warm-up of the warm figure
      double[] warm = new double[jobs];
      PreviewMethod madeBy = null;
      for (int i = 0; i < jobs; i++) {
        FirstFrameBenchmark.Result w = FirstFrameBenchmark.time(service, r);
        warm[i] = w.decodedMs();
        madeBy = w.madeBy();
      }
      out.printf(
          Locale.ROOT,
          "Generate to first decoded frame (SamplingService, preview auto, model loaded): %s ms,"
              + " made by %s (median of %d jobs, 1 cold job excluded)%n",
          fmt(Timing.median(warm)),
          madeBy == null ? "nothing" : madeBy.displayName().toLowerCase(Locale.ROOT),
          jobs);
      out.printf(
          Locale.ROOT,
          "Generate to first decoded frame, cold (fresh service: model load and first network runs"
              + " of this process included; 1 job): %s ms, made by %s%n",
          fmt(cold.decodedMs()),
          cold.madeBy() == null ? "nothing" : cold.madeBy().displayName().toLowerCase(Locale.ROOT));
      out.flush();
    }
  }

  private double peakMs;

  /**
   * Best-of-20 time of the reference conv, 3x3, batch 2, 128 -> 128 channels, 64x64, fp32, and its
   * rate counting 2 FLOP per multiply-add.
   */
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
          NDArray y =
              Conv2d.conv2d(xs, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1)
                  .singletonOrThrow(); // [2, 128, 64, 64]
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
      int steps = Math.max(3, packSteps);
      GenerationRequest base =
          GenerationRequest.builder()
              .prompt("a red heart")
              .steps(steps)
              .guidance(5)
              .seed(1)
              .previewMethod(PreviewMethod.OFF)
              .build();
      p.run(
          base.toBuilder().steps(2).build(),
          new GenerationListener() {},
          new CancellationToken()); // warm-up
      // Interleaved A/B runs (off, cheap, off, cheap, ...): this VM's speed drifts between runs.
      double[] noneRuns = new double[Math.max(1, repeat)];
      double[] cheapRuns = new double[noneRuns.length];
      GenerationRequest cheapReq = base.toBuilder().previewMethod(PreviewMethod.CHEAP).build();
      for (int i = 0; i < noneRuns.length; i++) {
        noneRuns[i] = stepMs(p, base);
        cheapRuns[i] = stepMs(p, cheapReq);
      }
      double none = Timing.median(noneRuns);
      double cheap = Timing.median(cheapRuns);
      GenerationRequest resolved = p.resolve(base);
      int h = resolved.settings().height() / m.info().vaeFactor();
      int w = resolved.settings().width() / m.info().vaeFactor();
      int samples = Math.max(3, repeat);
      long g0 = System.nanoTime();
      p.run(base, new GenerationListener() {}, new CancellationToken());
      double imageS = (System.nanoTime() - g0) / 1e9;
      List<String> notices = new ArrayList<>();
      TinyDecoder tiny = m.previewDecoder(previewDecoder, notices);
      PreviewBenchmark.PackCosts costs =
          PreviewBenchmark.pack(
              m, tiny, resolved.settings().width(), resolved.settings().height(), samples);
      out.printf(
          Locale.ROOT,
          "small pack %s (%dx%d): guided step %.2f ms (mean of %d steps per image without its first"
              + " and last, median of %d images, 1 warm-up image excluded); decode %.1f ms (with"
              + " RGB bytes, %s); one %d-step image %.2f s = %.2f images/s%n",
          m.info().name(),
          resolved.settings().width(),
          resolved.settings().height(),
          none,
          steps - 2,
          noneRuns.length,
          costs.full().ms(),
          costs.full().describe(),
          steps,
          imageS,
          1 / imageS);
      double projectMs = projectionMs(m, h, w);
      out.printf(
          Locale.ROOT,
          "cheap preview: projection %.3f ms = %.2f%% of a step; steps with previews %.2f ms vs"
              + " %.2f ms without (%+.1f%%, run-to-run noise included)%n",
          projectMs,
          100 * projectMs / none,
          cheap,
          none,
          100 * (cheap - none) / none);
      packPreviews(
          m,
          tiny,
          notices,
          costs,
          resolved.settings().width(),
          resolved.settings().height(),
          h,
          w,
          none);
      inRunCost(
          p,
          base.toBuilder()
              .previewMethod(PreviewMethod.AUTO)
              .previewDecoder(previewDecoder)
              .build());
      if (memorySteps > 0) {
        long rss0 = rssBytes();
        int images = Math.max(1, memorySteps / 50);
        p.run(
            base.toBuilder().steps(50).batch(images).build(),
            new GenerationListener() {},
            new CancellationToken());
        long rss1 = rssBytes();
        p.run(
            base.toBuilder().steps(50).batch(images).build(),
            new GenerationListener() {},
            new CancellationToken());
        long rss2 = rssBytes();
        out.printf(
            Locale.ROOT,
            "resident memory: %.0f MB before, %.0f MB after %d steps, %.0f MB after %d more%n",
            rss0 / 1e6,
            rss1 / 1e6,
            images * 50,
            rss2 / 1e6,
            images * 50);
      }
    }
  }

  /**
   * The preview cost the engine itself measures during real runs (what the studio's canvas bar
   * shows): preview time over step time at the end of each run, median of the runs, with what made
   * the frames.
   */
  /** Refuses option values the bench cannot run with, in one sentence each. */
  private void checkOptions() {
    if (repeat < 1 || repeat > 1000) {
      throw new dev.stepwise.engine.EngineException(
          "--repeat must be between 1 and 1000, got " + repeat + ".");
    }
    for (int side : latents) {
      if (side < 1 || side > 256) {
        throw new dev.stepwise.engine.EngineException(
            "--latents sides must be between 1 and 256 latent pixels (2048 image pixels), got "
                + side
                + ".");
      }
    }
    if (previewLatent < 0 || previewLatent > 256) {
      throw new dev.stepwise.engine.EngineException(
          "--preview-latent must be between 0 (skip) and 256, got " + previewLatent + ".");
    }
    if (memorySteps < 0 || packSteps < 1 || packSteps > 1000) {
      throw new dev.stepwise.engine.EngineException(
          "--memory-steps must be at least 0 and --pack-steps between 1 and 1000, got "
              + memorySteps
              + " and "
              + packSteps
              + ".");
    }
  }

  private void inRunCost(Pipeline p, GenerationRequest auto) {
    double[] pct = new double[Math.max(1, repeat)];
    Set<PreviewMethod> madeBy = EnumSet.noneOf(PreviewMethod.class);
    for (int i = 0; i < pct.length; i++) {
      double[] last = {Double.NaN};
      p.run(
          auto,
          new GenerationListener() {
            @Override
            public void step(StepEvent e) {
              if (e.frames() != null && !e.frames().isFinalImage()) {
                last[0] = e.frames().costPercent();
                madeBy.add(e.frames().madeBy());
              }
            }
          },
          new CancellationToken());
      pct[i] = last[0];
    }
    out.printf(
        Locale.ROOT,
        "  in a run (the engine's own measure, as the studio shows it): preview %s, %s%% of each"
            + " step (median of %d %d-step runs, preview auto)%n",
        madeBy.stream()
            .map(PreviewMethod::cliName)
            .sorted()
            .reduce((a, b) -> a + " + " + b)
            .orElse("none"),
        pct(Timing.median(pct)),
        pct.length,
        auto.settings().steps());
  }

  /** The small pack's preview frame of every method, against its guided step. */
  private void packPreviews(
      DiffusionModel m,
      TinyDecoder tiny,
      List<String> notices,
      PreviewBenchmark.PackCosts c,
      int width,
      int height,
      int h,
      int w,
      double stepMs) {
    out.printf(
        Locale.ROOT,
        "small pack preview cost per frame, %s %dx%d (%dx%d latent); %% of the guided step (%s"
            + " ms):%n",
        m.info().name(),
        width,
        height,
        w,
        h,
        fmt(stepMs));
    String source = previewDecoder != null ? previewDecoder.toString() : "vae_preview/";
    if (tiny == null) {
      String why =
          notices.isEmpty() ? "the pack has no vae_preview/" : Main.oneLine(notices.get(0));
      out.println("  tiny (preview decoder): none (" + why + ")");
      out.println("  tiny half (preview decoder on pooled latents): none");
    } else {
      int f = tiny.factor();
      int hh = (h + 1) / 2;
      int hw = (w + 1) / 2;
      previewLine(
          out,
          String.format(
              Locale.ROOT,
              "tiny (%s, %,d params), %dx%d -> %dx%d%s",
              source,
              tiny.parameterCount(),
              w,
              h,
              w * f,
              h * f,
              w * f == width && h * f == height
                  ? ""
                  : String.format(Locale.ROOT, " -> smooth %dx%d", width, height)),
          c.tiny(),
          stepMs,
          "");
      previewLine(
          out,
          String.format(
              Locale.ROOT,
              "tiny half, %dx%d pooled -> %dx%d -> smooth %dx%d",
              hw,
              hh,
              hw * f,
              hh * f,
              width,
              height),
          c.tinyHalf(),
          stepMs,
          "");
    }
    previewLine(
        out,
        String.format(Locale.ROOT, "full, the pack's autoencoder, %dx%d", width, height),
        c.full(),
        stepMs,
        "");
    previewLine(
        out,
        String.format(Locale.ROOT, "cheap, projection + smooth %dx%d", width, height),
        c.cheap(),
        stepMs,
        "");
  }

  /**
   * Mean time per step of one run, from the step events' timestamps: the first step (warm-up) and
   * the last (its event waits for the final decode) are left out, so at least 3 steps are needed.
   */
  private static double stepMs(Pipeline p, GenerationRequest r) {
    List<Long> stamps = new ArrayList<>();
    p.run(
        r,
        new GenerationListener() {
          @Override
          public void step(StepEvent e) {
            stamps.add(System.nanoTime());
          }
        },
        new CancellationToken());
    int last = stamps.size() - 2; // the event before the one carrying the decoded image
    return (stamps.get(last) - stamps.get(0)) / 1e6 / last;
  }

  /** The cheap preview alone: projecting one image's latents, averaged over many calls. */
  private static double projectionMs(DiffusionModel m, int h, int w) {
    Latents lat = Latents.initialNoise(new SeedNoise(1), m.latentChannels(), h, w);
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

  /** VmRSS of this process from /proc, or -1 where there is none. */
  static long rssBytes() {
    return Memory.rssBytes();
  }
}
