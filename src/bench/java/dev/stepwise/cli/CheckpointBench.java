package dev.stepwise.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.bench.BenchRuns;
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bench --checkpoint FILE}: a real model end to end as {@code generate --model FILE} runs
 * it, to time the same file against other tools: the load (cold, once), then whole images (text
 * encode + N guided steps + decode, previews off) after one untimed image; the text encode and the
 * decode are also timed alone. JSON keys start with {@code checkpoint_}.
 */
final class CheckpointBench {
  /** The prompt; the negative prompt is empty. Guidance 7 and seed 42, so runs compare. */
  static final String PROMPT = "a lighthouse on a rocky coast at sunset, oil painting";

  private final BenchReport r;
  private final Device device;
  private final int repeat;
  private final int size;
  private final int steps;
  private final WeightPrecision weights;

  CheckpointBench(
      BenchReport r, Device device, int repeat, int size, int steps, WeightPrecision weights) {
    this.weights = weights;
    this.r = r;
    this.device = device;
    this.repeat = repeat;
    this.size = size;
    this.steps = steps;
  }

  void run(Path file) {
    try (Memory.PeakSampler rss = Memory.PeakSampler.start()) {
      BenchRuns.figure("checkpoint: load");
      DiffusionModel loaded;
      double loadMs;
      try (BenchRuns.Loop load = BenchRuns.loop(0, 1)) {
        load.start();
        long t0 = System.nanoTime();
        loaded = DiffusionModel.load(file, device, weights);
        loadMs = (System.nanoTime() - t0) / 1e6;
        load.end();
      }
      try (DiffusionModel m = loaded) {
        Pipeline p = new Pipeline(m);
        GenerationRequest req =
            p.resolve(
                GenerationRequest.builder()
                    .prompt(PROMPT)
                    .negativePrompt("")
                    .steps(steps)
                    .guidance(7)
                    .seed(42)
                    .size(size, size)
                    .previewMethod(PreviewMethod.OFF)
                    .build());
        double[] image = new double[repeat];
        double[] step = new double[repeat];
        BenchRuns.figure("checkpoint: whole image");
        try (BenchRuns.Loop loop = BenchRuns.loop(1, repeat)) {
          loop.start();
          p.run(req, new GenerationListener() {}, new CancellationToken()); // warm-up image
          loop.end();
          for (int i = 0; i < repeat; i++) {
            loop.start();
            timeImage(p, req, image, step, i);
            loop.end();
          }
        }
        BenchRuns.figure("checkpoint: text encode");
        Timing.Figure encode =
            Timing.fixed(
                () -> {
                  try (NDManager job = m.newJobManager()) {
                    m.encodeText(PROMPT, "prompt", job, new ArrayList<>());
                    m.encodeText("", "negative prompt", job, new ArrayList<>());
                  }
                },
                1,
                repeat);
        int h = size / m.info().vaeFactor();
        float[] z = Latents.initialNoise(new SeedNoise(42), m.latentChannels(), h, h).data();
        BenchRuns.figure("checkpoint: decode");
        Timing.Figure decode = Timing.fixed(() -> m.decodeToPixels(z, 1, h, h), 1, repeat);
        report(file, req, loadMs, image, step, encode, decode, rss.peak());
      }
    }
  }

  /** Times whole image {@code i} into {@code image} and its mean step into {@code step}. */
  private void timeImage(Pipeline p, GenerationRequest req, double[] image, double[] step, int i) {
    List<Long> stamps = new ArrayList<>();
    long s0 = System.nanoTime();
    p.run(
        req,
        new GenerationListener() {
          @Override
          public void step(StepEvent e) {
            stamps.add(System.nanoTime());
          }
        },
        new CancellationToken());
    image[i] = (System.nanoTime() - s0) / 1e6;
    // Steps 2 to N-1: the first follows the text encode, the last's event waits for the
    // decode.
    step[i] = (stamps.get(steps - 2) - stamps.get(0)) / 1e6 / (steps - 2);
  }

  private void report(
      Path file,
      GenerationRequest req,
      double loadMs,
      double[] imageMs,
      double[] stepMs,
      Timing.Figure encode,
      Timing.Figure decode,
      long peak) {
    Timing.Figure image = Timing.Figure.of(imageMs, 1, 1);
    Timing.Figure step = Timing.Figure.of(stepMs, 1, 1);
    String sampler = req.settings().sampler().cliName();
    r.line(
        "checkpoint %s: %dx%d, %d steps of %s, guidance 7, seed 42, previews off; load %s ms (cold,"
            + " once); peak RSS %s MB",
        file.getFileName(), size, size, steps, sampler, Timing.fmt(loadMs), BenchReport.mb(peak));
    r.timed("  text encode, prompt + empty negative", "checkpoint_text_encode_ms", encode, null);
    r.timed(
        "  guided step (each image's mean of steps 2 to N-1)",
        "checkpoint_guided_step_ms",
        step,
        "image");
    r.timed("  decode with RGB bytes", "checkpoint_decode_ms", decode, null);
    r.timed("  whole image", "checkpoint_image_ms", image, "image");
    r.line(
        "  text encode + %d steps + decode = %s ms",
        steps, Timing.fmt(encode.ms() + steps * step.ms() + decode.ms()));
    r.put("checkpoint_file", file.getFileName().toString());
    r.put("checkpoint_sampler", sampler);
    r.put("checkpoint_load_ms", loadMs);
    r.putMb("checkpoint_peak_rss_mb", peak);
  }
}
