package dev.stepwise.cli;

import ai.djl.Device;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.bench.FirstFrameBenchmark;
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.bench.PreviewBenchmark;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.preview.TinyDecoder;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.service.SamplingService;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The small pack's part of {@code stepwise bench} (the built-in model by default): generate to the
 * first decoded frame, the guided step with and without previews (interleaved runs), the decode, a
 * whole image, each preview method's frame and resident memory over many steps. Its JSON keys start
 * with {@code pack_}.
 */
final class SmallPackBench {
  private final BenchReport r;
  private final Device device;
  private final int repeat;
  private final int packSteps;
  private final int memorySteps;
  private final Path previewDecoder;

  SmallPackBench(
      BenchReport r, Device device, int repeat, int packSteps, int memorySteps, Path decoder) {
    this.r = r;
    this.device = device;
    this.repeat = repeat;
    this.packSteps = packSteps;
    this.memorySteps = memorySteps;
    this.previewDecoder = decoder;
  }

  /** Measures {@code pack}: every figure, then the peak resident memory of the whole part. */
  void run(Path pack) {
    try (Memory.Window rss = Memory.Window.open()) {
      firstFrame(pack);
      measure(pack);
      long peak = rss.peak();
      r.putMb("pack_peak_rss_mb", peak);
      r.line(
          "small pack peak resident memory (this part of the bench): %s MB", BenchReport.mb(peak));
    }
  }

  /**
   * Generate to the first decoded frame through the sampling service (preview method auto): once
   * cold (a fresh service loading the model, the first network runs of this process), then warm.
   */
  private void firstFrame(Path pack) {
    GenerationRequest req =
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
          FirstFrameBenchmark.time(service, req); // also the warm-up of the warm figure
      double[] warm = new double[jobs];
      PreviewMethod madeBy = null;
      for (int i = 0; i < jobs; i++) {
        FirstFrameBenchmark.Result w = FirstFrameBenchmark.time(service, req);
        warm[i] = w.decodedMs();
        madeBy = w.madeBy();
      }
      Timing.Figure f = Timing.Figure.of(warm, 1, 1);
      r.line(
          "Generate to first decoded frame (SamplingService, preview auto, model loaded): %s ms,"
              + " made by %s (%s: the cold one below)",
          BenchReport.fmt(f.ms()),
          madeBy == null ? "nothing" : madeBy.displayName().toLowerCase(Locale.ROOT),
          f.describe("job"));
      r.line(
          "Generate to first decoded frame, cold (fresh service: model load and first network runs"
              + " of this process included; 1 job): %s ms, made by %s",
          BenchReport.fmt(cold.decodedMs()),
          cold.madeBy() == null ? "nothing" : cold.madeBy().displayName().toLowerCase(Locale.ROOT));
      r.figure("pack_first_frame_ms", f);
      r.put("pack_first_frame_cold_ms", cold.decodedMs());
    }
  }

  private void measure(Path pack) {
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
      GenerationRequest cheapReq = base.toBuilder().previewMethod(PreviewMethod.CHEAP).build();
      // One untimed run of each kind, then interleaved runs in ABBA order (off, cheap, cheap, off,
      // ...): this VM's speed drifts, and whichever kind ran first in every pair would gain.
      stepMs(p, base);
      stepMs(p, cheapReq);
      double[] noneRuns = new double[repeat];
      double[] cheapRuns = new double[repeat];
      for (int i = 0; i < repeat; i++) {
        if (i % 2 == 0) {
          noneRuns[i] = stepMs(p, base);
          cheapRuns[i] = stepMs(p, cheapReq);
        } else {
          cheapRuns[i] = stepMs(p, cheapReq);
          noneRuns[i] = stepMs(p, base);
        }
      }
      Timing.Figure none = Timing.Figure.of(noneRuns, 1, 1);
      Timing.Figure cheap = Timing.Figure.of(cheapRuns, 1, 1);
      GenerationRequest resolved = p.resolve(base);
      int width = resolved.settings().width();
      int height = resolved.settings().height();
      int h = height / m.info().vaeFactor();
      int w = width / m.info().vaeFactor();
      Timing.Figure image =
          Timing.fixed(
              () -> p.run(base, new GenerationListener() {}, new CancellationToken()), 1, repeat);
      List<String> notices = new ArrayList<>();
      TinyDecoder tiny = m.previewDecoder(previewDecoder, notices);
      PreviewBenchmark.PackCosts costs =
          PreviewBenchmark.pack(m, tiny, width, height, Math.max(3, repeat));
      r.line(
          "small pack %s (%dx%d): guided step %s ms (each run's mean of its %d steps without the"
              + " first and last; %s), decode %s ms (with RGB bytes, %s); one %d-step image %s"
              + " ms = %.2f images/s (%s)",
          m.info().name(),
          width,
          height,
          BenchReport.fmt(none.ms()),
          steps - 2,
          none.describe("run"),
          BenchReport.fmt(costs.full().ms()),
          costs.full().describe(),
          steps,
          BenchReport.fmt(image.ms()),
          1000 / image.ms(),
          image.describe("image"));
      r.put("pack_name", m.info().name());
      r.put("pack_width", (long) width);
      r.put("pack_height", (long) height);
      r.put("pack_steps", (long) steps);
      r.figure("pack_guided_step_ms", none);
      r.figure("pack_decode_ms", costs.full());
      r.figure("pack_image_ms", image);
      Timing.Figure projection = projection(m, h, w);
      double projectMs = projection.ms();
      double overhead = 100 * (cheap.ms() - none.ms()) / none.ms();
      r.line(
          "cheap preview: projection %.3f ms = %s%% of a step; steps with cheap previews %s ms"
              + " (min %s, max %s) vs %s ms without (min %s, max %s): %+.1f%% (runs interleaved,"
              + " medians of %d each)",
          projectMs,
          BenchReport.pct(100 * projectMs / none.ms()),
          BenchReport.fmt(cheap.ms()),
          BenchReport.fmt(cheap.min()),
          BenchReport.fmt(cheap.max()),
          BenchReport.fmt(none.ms()),
          BenchReport.fmt(none.min()),
          BenchReport.fmt(none.max()),
          overhead,
          repeat);
      r.figure("pack_projection_ms", projection);
      r.figure("pack_step_with_cheap_preview_ms", cheap);
      r.put("pack_cheap_preview_overhead_pct", overhead);
      packPreviews(m, tiny, notices, costs, width, height, h, w, none.ms());
      inRunCost(
          p,
          base.toBuilder()
              .previewMethod(PreviewMethod.AUTO)
              .previewDecoder(previewDecoder)
              .build());
      if (memorySteps > 0) {
        memory(p, base);
      }
    }
  }

  /** Resident memory before and after two long batches: a growth between them is a leak. */
  private void memory(Pipeline p, GenerationRequest base) {
    long rss0 = Memory.rssBytes();
    int images = Math.max(1, memorySteps / 50);
    GenerationRequest batch = base.toBuilder().steps(50).batch(images).build();
    p.run(batch, new GenerationListener() {}, new CancellationToken());
    long rss1 = Memory.rssBytes();
    p.run(batch, new GenerationListener() {}, new CancellationToken());
    long rss2 = Memory.rssBytes();
    r.line(
        "resident memory: %s MB before, %s MB after %d steps, %s MB after %d more",
        BenchReport.mb(rss0), BenchReport.mb(rss1), images * 50, BenchReport.mb(rss2), images * 50);
    r.putMb("pack_rss_before_mb", rss0);
    r.putMb("pack_rss_after_steps_mb", rss1);
    r.putMb("pack_rss_after_more_steps_mb", rss2);
    r.put("pack_memory_steps", (long) images * 50);
  }

  /**
   * The preview cost the engine itself measures during real runs (what the studio's canvas bar
   * shows): preview time over step time at the end of each run, median of the runs, with what made
   * the frames.
   */
  private void inRunCost(Pipeline p, GenerationRequest auto) {
    double[] pct = new double[repeat];
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
    double median = Timing.median(pct);
    r.line(
        "  in a run (the engine's own measure, as the studio shows it): preview %s, %s%% of each"
            + " step (median of %d %d-step runs, preview auto)",
        madeBy.stream()
            .map(PreviewMethod::cliName)
            .sorted()
            .reduce((a, b) -> a + " + " + b)
            .orElse("none"),
        BenchReport.pct(median),
        pct.length,
        auto.settings().steps());
    r.put("pack_in_run_preview_pct", median);
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
    r.line(
        "small pack preview cost per frame, %s %dx%d (%dx%d latent); %% of the guided step (%s"
            + " ms):",
        m.info().name(), width, height, w, h, BenchReport.fmt(stepMs));
    String source = previewDecoder != null ? previewDecoder.toString() : "vae_preview/";
    if (tiny == null) {
      String why =
          notices.isEmpty() ? "the pack has no vae_preview/" : Main.oneLine(notices.get(0));
      r.println("  tiny (preview decoder): none (" + why + ")");
      r.println("  tiny half (preview decoder on pooled latents): none");
    } else {
      int f = tiny.factor();
      int hh = (h + 1) / 2;
      int hw = (w + 1) / 2;
      r.previewLine(
          "pack_preview_tiny_ms",
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
      r.previewLine(
          "pack_preview_tiny_half_ms",
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
    r.previewLine(
        null,
        String.format(Locale.ROOT, "full, the pack's autoencoder, %dx%d", width, height),
        c.full(),
        stepMs,
        "");
    r.previewLine(
        "pack_preview_cheap_ms",
        String.format(Locale.ROOT, "cheap, projection + smooth %dx%d", width, height),
        c.cheap(),
        stepMs,
        "");
  }

  /**
   * Mean time per step of one run, from the step events' timestamps: the first step (it follows the
   * text encoder) and the last (its event waits for the final decode) are left out, so at least 3
   * steps are needed.
   */
  static double stepMs(Pipeline p, GenerationRequest req) {
    List<Long> stamps = new ArrayList<>();
    p.run(
        req,
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

  /** The cheap preview alone: projecting one image's latents (no upscale), many calls a sample. */
  private Timing.Figure projection(DiffusionModel m, int h, int w) {
    Latents lat = Latents.initialNoise(new SeedNoise(1), m.latentChannels(), h, w);
    return Timing.calibrated(() -> m.preview().project(lat, 0), Math.max(3, repeat), 20);
  }
}
