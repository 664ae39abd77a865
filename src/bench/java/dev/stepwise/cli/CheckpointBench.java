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
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code stepwise bench --checkpoint FILE}: a real model end to end, as {@code generate --model
 * FILE} runs it, so that the same file can be timed against other tools: the load (cold, once),
 * then whole images (text encode + N guided steps + decode, previews off) after one untimed image,
 * with the text encode and the decode also timed on their own. JSON keys start with {@code
 * checkpoint_}.
 */
final class CheckpointBench {
  /** The prompt every image uses; the negative prompt is empty (what other tools default to). */
  static final String PROMPT = "a lighthouse on a rocky coast at sunset, oil painting";

  /** Guidance and seed: fixed so that runs compare. */
  static final double GUIDANCE = 7;

  static final long SEED = 42;

  private final BenchReport r;
  private final Device device;
  private final int repeat;
  private final int size;
  private final int steps;

  CheckpointBench(BenchReport r, Device device, int repeat, int size, int steps) {
    this.r = r;
    this.device = device;
    this.repeat = repeat;
    this.size = size;
    this.steps = steps;
  }

  void run(Path file) {
    try (Memory.Window rss = Memory.Window.open()) {
      long t0 = System.nanoTime();
      try (DiffusionModel m = DiffusionModel.load(file, device)) {
        double loadMs = (System.nanoTime() - t0) / 1e6;
        Pipeline p = new Pipeline(m);
        GenerationRequest req =
            p.resolve(
                GenerationRequest.builder()
                    .prompt(PROMPT)
                    .negativePrompt("")
                    .steps(steps)
                    .guidance(GUIDANCE)
                    .seed(SEED)
                    .size(size, size)
                    .previewMethod(PreviewMethod.OFF)
                    .build());
        p.validate(req);
        p.run(req, new GenerationListener() {}, new CancellationToken()); // warm-up image
        double[] image = new double[repeat];
        double[] step = new double[repeat];
        for (int i = 0; i < repeat; i++) {
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
          // Steps 2 .. N-1: the first follows the text encode, the last's event waits for the
          // decode.
          int last = stamps.size() - 2;
          step[i] = (stamps.get(last) - stamps.get(0)) / 1e6 / last;
        }
        Timing.Figure imageFigure = Timing.Figure.of(image, 1, 1);
        Timing.Figure stepFigure = Timing.Figure.of(step, 1, 1);
        Timing.Figure encode = Timing.fixed(() -> encode(m), 1, repeat);
        int f = m.info().vaeFactor();
        int h = size / f;
        int w = size / f;
        float[] z =
            Latents.initialNoise(new SeedNoise(SEED), m.latentChannels(), h, w)
                .data(); // [1, C, h, w]
        Timing.Figure decode = Timing.fixed(() -> m.decodeToPixels(z, 1, h, w), 1, repeat);
        long peak = rss.peak();
        report(file, m, req, loadMs, imageFigure, stepFigure, encode, decode, peak);
      }
    }
  }

  /** The prompt and the empty negative prompt, as a guided image encodes them. */
  private static void encode(DiffusionModel m) {
    List<String> notices = new ArrayList<>();
    try (NDManager job = m.newJobManager()) {
      m.encodeText(PROMPT, "prompt", job, notices);
      m.encodeText("", "negative prompt", job, notices);
    }
  }

  private void report(
      Path file,
      DiffusionModel m,
      GenerationRequest req,
      double loadMs,
      Timing.Figure image,
      Timing.Figure step,
      Timing.Figure encode,
      Timing.Figure decode,
      long peak) {
    String sampler = req.settings().sampler().cliName();
    r.line(
        "checkpoint %s: %dx%d, %d steps of %s, guidance %.1f, seed %d, previews off",
        file.getFileName(), size, size, steps, sampler, GUIDANCE, SEED);
    r.line("  load (cold, 1 sample): %s ms", BenchReport.fmt(loadMs));
    r.line(
        "  text encode, prompt + empty negative prompt: %s ms (%s)",
        BenchReport.fmt(encode.ms()), encode.describe());
    r.line(
        "  guided step: %s ms (per image: mean of steps 2 to %d; %s images, 1 warm-up image"
            + " excluded)",
        BenchReport.fmt(step.ms()), steps - 1, step.describe().replace(", 1 warm-up excluded", ""));
    r.line(
        "  decode, %dx%d with RGB bytes: %s ms (%s)",
        size, size, BenchReport.fmt(decode.ms()), decode.describe());
    r.line(
        "  whole image (text encode + %d steps + decode): %s ms (%s); its parts sum to %s ms",
        steps,
        BenchReport.fmt(image.ms()),
        image.describe("image"),
        BenchReport.fmt(encode.ms() + steps * step.ms() + decode.ms()));
    r.line("  peak resident memory: %s MB", BenchReport.mb(peak));
    r.put("checkpoint_file", file.getFileName().toString());
    r.put("checkpoint_model", m.info().name());
    r.put("checkpoint_size", (long) size);
    r.put("checkpoint_steps", (long) steps);
    r.put("checkpoint_sampler", sampler);
    r.put("checkpoint_guidance", GUIDANCE);
    r.put("checkpoint_load_ms", loadMs);
    r.figure("checkpoint_text_encode_ms", encode);
    r.figure("checkpoint_guided_step_ms", step);
    r.figure("checkpoint_decode_ms", decode);
    r.figure("checkpoint_image_ms", image);
    r.putMb("checkpoint_peak_rss_mb", peak);
  }
}
