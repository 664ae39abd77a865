package dev.stepwise.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.Stepwise;
import dev.stepwise.engine.Devices;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.bench.BenchRuns;
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.bench.ModelShape;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.nn.Conv2d;
import dev.stepwise.engine.nn.WeightPrecision;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise bench}: the engine's speed and memory figures, as text for a person or, with
 * {@code --json}, one flat JSON object on stdout for comparing commits. Not a test: numbers move
 * from run to run; compare figures measured in one run.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the small pack, the SD 1.5 shape with random weights or, with --checkpoint, a real"
          + " model end to end.",
      "Every figure is the median of --repeat timed runs after untimed warm-ups, with min and max."
    },
    footer = {
      "  stepwise bench --no-sd15 --repeat 3",
      "  stepwise bench --json --progress json > bench.json",
      "  stepwise bench --remote --remote-jobs 10"
    })
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", description = "Small pack to measure (default: the built-in model).")
  Path model;

  @Option(
      names = "--pack",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Measure the small pack (default: on).")
  boolean pack;

  @Option(
      names = "--sd15",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Measure the Stable Diffusion 1.5 shape with random weights (default: on).")
  boolean sd15;

  @Option(
      names = "--latents",
      split = ",",
      defaultValue = "16,64",
      description = "Latent sides for the SD 1.5 shape (default ${DEFAULT-VALUE}; 64 = 512x512).")
  int[] latents;

  @Option(
      names = "--memory-steps",
      defaultValue = "1000",
      description = "Small pack steps between the memory readings (default ${DEFAULT-VALUE}).")
  int memorySteps;

  @Option(
      names = "--repeat",
      defaultValue = "5",
      description = "Timed runs per figure after the warm-ups (default ${DEFAULT-VALUE}).")
  int repeat;

  @Option(
      names = "--pack-steps",
      defaultValue = "20",
      description = "Steps per small pack image (default ${DEFAULT-VALUE}; at least 3).")
  int packSteps;

  @Option(
      names = "--preview-latent",
      defaultValue = "64",
      description =
          "Latent side of the SD 1.5 preview figures (default ${DEFAULT-VALUE}; 0 skips).")
  int previewLatent;

  @Option(
      names = "--sd15-vae",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Time the SD 1.5 autoencoder decode at each latent size (default: on).")
  boolean sd15Vae;

  @Option(
      names = "--profile",
      description =
          "Say where the SD 1.5 step and decode spend their time, by layer type and block.")
  boolean profile;

  @Option(
      names = "--preview-decoder",
      description = "Preview decoder to measure on the small pack instead of its own vae_preview/.")
  Path previewDecoder;

  @Option(
      names = "--checkpoint",
      description =
          "Time this model (a .safetensors checkpoint or a pack folder) end to end instead: text"
              + " encode, --steps guided steps and decode at --size.")
  Path checkpoint;

  @Option(names = "--size", description = "Image side for --checkpoint (default 512).")
  Integer size;

  @Option(names = "--steps", description = "Steps per image for --checkpoint (default 20).")
  Integer steps;

  @Option(
      names = "--remote",
      description =
          "Time jobs on a backend instead: an in-process serve of --model on a loopback port (or"
              + " --backend), --remote-jobs jobs of --steps (20) at --size (128): the client's"
              + " time, the server's own, the overhead and the preview latency.")
  boolean remote;

  @Option(
      names = "--remote-jobs",
      defaultValue = "10",
      description = "Timed jobs for --remote after one warm-up (default ${DEFAULT-VALUE}).")
  int remoteJobs;

  @Option(
      names = "--backend",
      paramLabel = "URL",
      description = "With --remote: time this A1111-API server instead (the client's side only).")
  String backend;

  @Option(names = "--json", description = "Print one flat JSON object on stdout, text on stderr.")
  boolean json;

  @Option(
      names = "--weights",
      paramLabel = "stored|float32",
      defaultValue = "stored",
      converter = WeightsOption.class,
      description =
          "Weights in memory for the SD 1.5 UNet step and --checkpoint, as generate --weights"
              + " (default: stored, fp16).")
  WeightPrecision weights;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      completionCandidates = Candidates.ProgressModes.class,
      description =
          "bar, plain, json or none, as for generate, on stderr: the figure being measured, run k"
              + " of n (warm-ups apart), the time left in it.")
  String progress;

  @Override
  public Integer call() throws IOException {
    Progress.Mode mode = Progress.choose(progress);
    String bad = problem();
    if (bad != null) {
      Logging.log().info("refused: {}", bad);
      spec.commandLine().getErr().println("stepwise: " + bad);
      spec.commandLine().getErr().flush();
      return 2;
    }
    PrintWriter out = spec.commandLine().getOut();
    Progress bar = new Progress(spec.commandLine().getErr(), mode);
    BenchRuns.listen(mode == Progress.Mode.NONE ? null : listener(bar));
    try {
      measure(out, new BenchReport(json ? spec.commandLine().getErr() : out, bar::end));
    } finally {
      BenchRuns.listen(null);
      bar.end();
    }
    return 0;
  }

  /** Tells {@code bar} each run of each figure. */
  static BenchRuns.Listener listener(Progress bar) {
    return new BenchRuns.Listener() {
      @Override
      public void run(
          String figure, int run, int warmups, int runs, boolean finished, long ms, long eta) {
        bar.run(figure, run, warmups, runs, finished, ms, eta);
      }

      @Override
      public void figure(String figure, int warmups, int runs, int done, long ms) {
        bar.figure(figure, warmups, runs, done, ms);
      }
    };
  }

  private void measure(PrintWriter out, BenchReport r) throws IOException {
    Device device = Devices.best();
    machine(r, device);
    r.put("opt_repeat", (long) repeat);
    r.put("opt_weights", weights.cliName());
    if (remote) {
      RemoteBench b =
          new RemoteBench(r, remoteJobs, steps == null ? 20 : steps, size == null ? 128 : size);
      try {
        if (backend != null) {
          b.against(backend);
        } else {
          b.inProcess(model != null ? model : ModelLocator.builtIn());
        }
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    } else if (checkpoint != null) {
      r.put("opt_checkpoint", checkpoint.toString());
      r.put("opt_size", (long) (size == null ? 512 : size));
      r.put("opt_steps", (long) (steps == null ? 20 : steps));
      int s = size == null ? 512 : size;
      new CheckpointBench(r, device, repeat, s, steps == null ? 20 : steps, weights)
          .run(checkpoint);
    } else {
      r.put("opt_pack", pack);
      r.put("opt_sd15", sd15);
      r.put("opt_latents", Arrays.toString(latents).replaceAll("[\\[\\] ]", ""));
      r.put("opt_sd15_vae", sd15Vae);
      r.put("opt_profile", profile);
      r.put("opt_pack_steps", (long) packSteps);
      r.println(
          "Every figure: the median of timed runs after untimed warm-ups, with the fastest and"
              + " slowest. A guided\n  step: the UNet on a batch of 2 (uncond + cond). Peak RSS:"
              + " the process's, weights included.");
      referenceConv(r, device);
      Path packDir = model != null ? model : ModelLocator.builtIn();
      if (pack && Files.exists(packDir)) {
        new SmallPackBench(r, device, repeat, packSteps, memorySteps, previewDecoder).run(packDir);
      } else {
        r.println("small pack: " + (pack ? "none at " + packDir + " (pass --model)" : "skipped"));
      }
      if (sd15) {
        shape(r, device, ModelShape.sd15());
      }
    }
    r.putMb("peak_rss_mb", Memory.processPeak());
    r.line("peak RSS of the whole run: %s MB", BenchReport.mb(Memory.processPeak()));
    if (json) {
      out.println(r.json());
      out.flush();
    }
  }

  /** A shape's figures: each latent size, the text encode, then the previews. */
  void shape(BenchReport r, Device device, ModelShape shape) {
    Sd15ShapeBench bench = new Sd15ShapeBench(r, device, repeat, sd15Vae, profile, shape, weights);
    UNetBenchmark.Result previewStep = null;
    for (int side : latents) {
      UNetBenchmark.Result s = bench.step(side);
      previewStep = side == previewLatent ? s : previewStep;
      if (sd15Vae) {
        bench.decode(side);
      }
    }
    bench.textEncode();
    if (previewLatent > 0) {
      bench.previews(previewLatent, previewStep != null ? previewStep : bench.step(previewLatent));
    }
  }

  /** The machine and build: version, time, device, cores, CPU model, threads, Java, memory. */
  private static void machine(BenchReport r, Device device) {
    String cpu = procField("/proc/cpuinfo", "model name");
    String mem = procField("/proc/meminfo", "MemTotal");
    r.put("stepwise_version", Stepwise.version());
    r.put("time_utc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    r.put("device", Devices.describe(device));
    r.put("cores", (long) Runtime.getRuntime().availableProcessors());
    r.put("torch_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
    r.put("java_version", System.getProperty("java.version"));
    r.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    if (cpu != null) {
      r.put("cpu_model", cpu);
    }
    if (mem != null) {
      r.putMb("memory_total_mb", Long.parseLong(mem.replaceAll("[^0-9]", "")) * 1024);
    }
    r.println("Stepwise bench: " + r.json().toString().replaceAll("[{}\"]", "").replace(",", ", "));
  }

  /** The value of the first line of {@code file} starting with {@code name}, or null. */
  private static String procField(String file, String name) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(name)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return null;
  }

  /**
   * The reference conv (3x3, batch 2, 128 -> 128 ch, 64x64, fp32), for comparing machines: its best
   * of 20 after a warm-up. Not the peak a step is measured against (that is each size's own).
   */
  private static void referenceConv(BenchReport r, Device device) {
    BenchRuns.figure("reference conv");
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray x = m.randomNormal(new Shape(2, 128, 64, 64)); // [B, Cin, H, W]
      Conv2d conv = Conv2d.of(m.randomNormal(new Shape(128, 128, 3, 3)), null, 1, 1);
      Timing.Figure f =
          Timing.fixed(
              () -> {
                try (NDManager s = m.newSubManager()) {
                  NDArray xs = x.duplicate(); // [2, 128, 64, 64]
                  xs.attach(s);
                  conv.forward(xs); // [2, 128, 64, 64]
                }
              },
              1,
              20);
      double gflops = 2.0 * 2 * 128 * 128 * 9 * 64 * 64 / f.min() / 1e6;
      r.line(
          "reference conv (3x3, batch 2, 128->128 ch, 64x64; for comparing machines): best %s ms ="
              + " %.0f GFLOP/s (%s)",
          Timing.fmt(f.min()), gflops, f.describe());
      r.put("ref_conv_gflops", gflops);
    }
  }

  /** The sentence refusing this run's options, or null. */
  String problem() {
    if (repeat < 1 || repeat > 1000) {
      return "--repeat must be between 1 and 1000, got " + repeat + ".";
    }
    for (int side : latents) {
      if (side < 1 || side > 256) {
        return "--latents sides must be between 1 and 256 (2048 pixels), got " + side + ".";
      }
    }
    if (previewLatent < 0 || previewLatent > 256) {
      return "--preview-latent must be between 0 (skip) and 256, got " + previewLatent + ".";
    }
    if (memorySteps < 0) {
      return "--memory-steps must be at least 0, got " + memorySteps + ".";
    }
    if (packSteps < 1 || packSteps > 1000) {
      return "--pack-steps must be between 1 and 1000, got " + packSteps + ".";
    }
    if (checkpoint == null && !remote && (size != null || steps != null)) {
      return (size != null ? "--size " + size : "--steps " + steps)
          + " applies to --checkpoint and --remote runs only; add one or leave it out.";
    }
    if (remote && checkpoint != null) {
      return "--remote and --checkpoint measure different things; give one of them.";
    }
    if (backend != null && !remote) {
      return "--backend " + backend + " applies to --remote runs only; add --remote.";
    }
    if (remoteJobs < 1 || remoteJobs > 1000) {
      return "--remote-jobs must be between 1 and 1000, got " + remoteJobs + ".";
    }
    if (size != null && (size < 8 || size > 2048)) {
      return "--size must be between 8 and 2048 pixels, got " + size + ".";
    }
    if (steps != null && (steps < 3 || steps > 1000)) {
      return "--steps must be between 3 and 1000, got " + steps + ".";
    }
    Path[] files = {checkpoint, model, previewDecoder};
    String[] names = {"--checkpoint ", "--model ", "--preview-decoder "};
    for (int i = 0; i < files.length; i++) {
      if (files[i] != null && !Files.exists(files[i])) {
        return names[i] + files[i] + " does not exist.";
      }
    }
    return null;
  }
}
