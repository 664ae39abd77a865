package dev.stepwise.cli;

import ai.djl.Device;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.bench.BenchRuns;
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
 * whole image, each preview method's frame, and resident memory over many steps. JSON keys start
 * with {@code pack_}.
 */
final class SmallPackBench {
  private final BenchReport r;
  private final Device device;
  private final int repeat;
  private final int steps;
  private final int memorySteps;
  private final Path previewDecoder;

  SmallPackBench(BenchReport r, Device d, int repeat, int steps, int memorySteps, Path decoder) {
    this.r = r;
    this.device = d;
    this.repeat = repeat;
    this.steps = Math.max(3, steps);
    this.memorySteps = memorySteps;
    this.previewDecoder = decoder;
  }

  /** Measures {@code pack}, then reports the peak resident memory of the whole part. */
  void run(Path pack) {
    try (Memory.PeakSampler rss = Memory.PeakSampler.start()) {
      firstFrame(pack);
      measure(pack);
      r.putMb("pack_peak_rss_mb", rss.peak());
      r.line("small pack peak RSS: %s MB", BenchReport.mb(rss.peak()));
    }
  }

  private static String by(PreviewMethod m) {
    return m == null ? "nothing" : m.displayName().toLowerCase(Locale.ROOT);
  }

  /**
   * Generate to the first decoded frame through the sampling service (preview auto): once cold (a
   * fresh service: the model load and the first network runs of this process), then warm.
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
    double[] warm = new double[Math.max(3, repeat)];
    BenchRuns.figure("small pack: to first decoded frame");
    try (SamplingService service = new SamplingService(pack, device, DiffusionModel::load)) {
      FirstFrameBenchmark.Result cold;
      PreviewMethod madeBy = null;
      try (BenchRuns.Loop loop = BenchRuns.loop(1, warm.length)) {
        loop.start();
        cold = FirstFrameBenchmark.time(service, req); // the warm-up
        loop.end();
        for (int i = 0; i < warm.length; i++) {
          loop.start();
          FirstFrameBenchmark.Result w = FirstFrameBenchmark.time(service, req);
          loop.end();
          warm[i] = w.decodedMs();
          madeBy = w.madeBy();
        }
      }
      Timing.Figure f = Timing.Figure.of(warm, 1, 1);
      r.line(
          "Generate to first decoded frame (SamplingService, preview auto, model loaded): %s ms,"
              + " made by %s (%s, the cold one below)",
          Timing.fmt(f.ms()), by(madeBy), f.describe("job"));
      r.line(
          "Generate to first decoded frame, cold (fresh service: model load and first network runs"
              + " of this process included; 1 job): %s ms, made by %s",
          Timing.fmt(cold.decodedMs()), by(cold.madeBy()));
      r.figure("pack_first_frame_ms", f);
      r.put("pack_first_frame_cold_ms", cold.decodedMs());
    }
  }

  private void measure(Path pack) {
    try (DiffusionModel m = DiffusionModel.load(pack, device)) {
      Pipeline p = new Pipeline(m);
      GenerationRequest base =
          GenerationRequest.builder()
              .prompt("a red heart")
              .steps(steps)
              .guidance(5)
              .seed(1)
              .previewMethod(PreviewMethod.OFF)
              .build();
      GenerationRequest cheapReq = base.toBuilder().previewMethod(PreviewMethod.CHEAP).build();
      // One untimed run of each kind, then runs interleaved in ABBA order (off, cheap, cheap, off,
      // ...): this VM's speed drifts, and whichever kind always ran first would gain or lose.
      double[] off = new double[repeat];
      double[] cheapRuns = new double[repeat];
      BenchRuns.figure("small pack: step, previews off + cheap");
      try (BenchRuns.Loop loop = BenchRuns.loop(2, 2 * repeat)) {
        stepMs(p, base, loop);
        stepMs(p, cheapReq, loop);
        for (int i = 0; i < repeat; i++) {
          if (i % 2 == 1) {
            cheapRuns[i] = stepMs(p, cheapReq, loop);
          }
          off[i] = stepMs(p, base, loop);
          if (i % 2 == 0) {
            cheapRuns[i] = stepMs(p, cheapReq, loop);
          }
        }
      }
      Timing.Figure none = Timing.Figure.of(off, 1, 1);
      Timing.Figure cheap = Timing.Figure.of(cheapRuns, 1, 1);
      GenerationRequest resolved = p.resolve(base);
      int width = resolved.settings().width();
      int height = resolved.settings().height();
      int h = height / m.info().vaeFactor();
      int w = width / m.info().vaeFactor();
      BenchRuns.figure("small pack: one " + steps + "-step image");
      Timing.Figure image =
          Timing.fixed(
              () -> p.run(base, new GenerationListener() {}, new CancellationToken()), 1, repeat);
      List<String> notices = new ArrayList<>();
      TinyDecoder tiny = m.previewDecoder(previewDecoder, notices);
      BenchRuns.figure("small pack: preview");
      PreviewBenchmark.PackCosts costs =
          PreviewBenchmark.pack(m, tiny, width, height, Math.max(3, repeat));
      String name = m.info().name() + " " + width + "x" + height;
      r.timed(
          "small pack " + name + ", guided step (each run's mean without its first and last step)",
          "pack_guided_step_ms",
          none,
          "run");
      r.timed("  decode with RGB bytes", "pack_decode_ms", costs.full(), null);
      r.timed("  one " + steps + "-step image", "pack_image_ms", image, "image");
      r.put("pack_name", m.info().name());
      Latents lat = Latents.initialNoise(new SeedNoise(1), m.latentChannels(), h, w);
      BenchRuns.figure("small pack: cheap projection");
      Timing.Figure projection =
          Timing.calibrated(() -> m.preview().project(lat, 0), Math.max(3, repeat), 20);
      r.timed("  cheap projection alone", "pack_projection_ms", projection, null);
      r.timed(
          "  guided step with cheap previews, interleaved",
          "pack_step_with_cheap_preview_ms",
          cheap,
          "run");
      r.put("pack_cheap_preview_overhead_pct", 100 * (cheap.ms() - none.ms()) / none.ms());
      previews(m, tiny, notices, costs, width, height, h, w, none.ms());
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

  /** Resident memory before and after two long batches: growth between them is a leak. */
  private void memory(Pipeline p, GenerationRequest base) {
    long rss0 = Memory.rssBytes();
    int images = Math.max(1, memorySteps / 50);
    GenerationRequest batch = base.toBuilder().steps(50).batch(images).build();
    BenchRuns.figure("small pack: memory, 2 x " + images * 50 + " steps");
    long rss1;
    long rss2;
    try (BenchRuns.Loop loop = BenchRuns.loop(0, 2)) {
      loop.start();
      p.run(batch, new GenerationListener() {}, new CancellationToken());
      loop.end();
      rss1 = Memory.rssBytes();
      loop.start();
      p.run(batch, new GenerationListener() {}, new CancellationToken());
      loop.end();
      rss2 = Memory.rssBytes();
    }
    r.line(
        "resident memory: %s MB before, %s MB after %d steps, %s MB after %d more",
        BenchReport.mb(rss0), BenchReport.mb(rss1), images * 50, BenchReport.mb(rss2), images * 50);
    r.putMb("pack_rss_before_mb", rss0);
    r.putMb("pack_rss_after_steps_mb", rss1);
    r.putMb("pack_rss_after_more_steps_mb", rss2);
  }

  /**
   * The preview cost the engine measures in real runs (the studio's canvas label): preview over
   * step time at the end of each run, median of the runs, with what made the frames.
   */
  private void inRunCost(Pipeline p, GenerationRequest auto) {
    double[] pct = new double[repeat];
    Set<PreviewMethod> madeBy = EnumSet.noneOf(PreviewMethod.class);
    BenchRuns.figure("small pack: preview cost in a run");
    try (BenchRuns.Loop loop = BenchRuns.loop(0, pct.length)) {
      for (int i = 0; i < pct.length; i++) {
        loop.start();
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
        loop.end();
      }
    }
    r.line(
        "  in a run (the engine's own measure, as the studio shows it): preview %s, %s%% of each"
            + " step (median of %d %d-step runs, preview auto)",
        madeBy.stream()
            .map(PreviewMethod::cliName)
            .sorted()
            .reduce((a, b) -> a + " + " + b)
            .orElse("none"),
        BenchReport.pct(Timing.median(pct)),
        pct.length,
        steps);
    r.put("pack_in_run_preview_pct", Timing.median(pct));
  }

  /** The small pack's preview frame of every method, against its guided step. */
  private void previews(
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
        m.info().name(), width, height, w, h, Timing.fmt(stepMs));
    String size = width + "x" + height;
    if (tiny == null) {
      String why =
          notices.isEmpty() ? "the pack has no vae_preview/" : Main.oneLine(notices.get(0));
      r.println("  tiny (preview decoder): none (" + why + ")");
      r.println("  tiny half (preview decoder on pooled latents): none");
    } else {
      int f = tiny.factor();
      String source = previewDecoder != null ? previewDecoder.toString() : "vae_preview/";
      String out = w * f == width && h * f == height ? "" : " -> smooth " + size;
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
              out),
          c.tiny(),
          stepMs);
      int hw = (w + 1) / 2;
      int hh = (h + 1) / 2;
      r.previewLine(
          "pack_preview_tiny_half_ms",
          String.format(
              Locale.ROOT,
              "tiny half, %dx%d pooled -> %dx%d -> smooth %s",
              hw,
              hh,
              hw * f,
              hh * f,
              size),
          c.tinyHalf(),
          stepMs);
    }
    r.previewLine(null, "full, the pack's autoencoder, " + size, c.full(), stepMs);
    r.previewLine("pack_preview_cheap_ms", "cheap, projection + smooth " + size, c.cheap(), stepMs);
  }

  /**
   * Mean time per step of one run from the step events' timestamps, without the first step (after
   * the text encoder) and the last (its event waits for the decode).
   */
  private static double stepMs(Pipeline p, GenerationRequest req, BenchRuns.Loop loop) {
    List<Long> stamps = new ArrayList<>();
    loop.start();
    p.run(
        req,
        new GenerationListener() {
          @Override
          public void step(StepEvent e) {
            stamps.add(System.nanoTime());
          }
        },
        new CancellationToken());
    loop.end();
    int last = stamps.size() - 2;
    return (stamps.get(last) - stamps.get(0)) / 1e6 / last;
  }
}
