package dev.stepwise.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.Stepwise;
import dev.stepwise.engine.Devices;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.bench.Memory;
import dev.stepwise.engine.bench.ModelShape;
import dev.stepwise.engine.bench.Timing;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.nn.Conv2d;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise bench}: the engine's speed and memory figures, as text for a person or, with
 * {@code --json}, as one flat JSON object on stdout for comparing commits. Not a test: numbers move
 * from run to run; every figure is a median of timed repetitions after untimed warm-ups, with the
 * fastest and slowest beside it.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the engine: the small pack (generate to first frame, guided step with and without"
          + " previews, decode, memory), the SD 1.5 shape with random weights (guided step against"
          + " the peak of its own layers, autoencoder decode, text encode, preview frames), or,"
          + " with --checkpoint, a real model end to end.",
      "Every figure is the median of --repeat timed runs after untimed warm-ups, with min and max."
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
      description =
          "Also measure the Stable Diffusion 1.5 UNet shape with random weights (default: on).")
  boolean sd15;

  @Option(
      names = "--latents",
      split = ",",
      defaultValue = "16,64",
      description =
          "Latent sides for the SD 1.5 shape (default ${DEFAULT-VALUE}; 64 = a 512x512 image).")
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
      description =
          "Timed repetitions per figure after the warm-ups (default ${DEFAULT-VALUE}); the median"
              + " is the figure.")
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
          "Also time the full SD 1.5 autoencoder decode at each latent size, slow and a few GB"
              + " (default: on).")
  boolean sd15Vae;

  @Option(
      names = "--profile",
      description =
          "Also say where the SD 1.5 shape's guided step and decode spend their time, by layer type"
              + " and by block (each layer timed alone at its shape).")
  boolean profile;

  @Option(
      names = "--preview-decoder",
      description = "Preview decoder to measure on the small pack instead of its own vae_preview/.")
  Path previewDecoder;

  @Option(
      names = "--checkpoint",
      description =
          "Time this model (a single-file .safetensors checkpoint or a pack folder) end to end"
              + " instead: text encode + --steps guided steps + decode at --size.")
  Path checkpoint;

  @Option(names = "--size", description = "Image side for --checkpoint, in pixels (default 512).")
  Integer size;

  @Option(
      names = "--steps",
      description = "Guided steps per image for --checkpoint (default 20; at least 3).")
  Integer steps;

  @Option(
      names = "--json",
      description =
          "Print one JSON object with flat keys on stdout (the text goes to stderr), for comparing"
              + " runs across commits.")
  boolean json;

  /** The reference convolution's timed repetitions (best of them is its figure). */
  static final int REFERENCE_CONV_REPEAT = 20;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    String bad = problem();
    if (bad != null) {
      Logging.log().info("refused: {}", bad);
      err.println("stepwise: " + bad);
      err.flush();
      return 2;
    }
    PrintWriter out = spec.commandLine().getOut();
    BenchReport r = new BenchReport(json ? err : out);
    Device device = Devices.best();
    machine(r, device);
    options(r);
    if (checkpoint != null) {
      new CheckpointBench(r, device, repeat, size == null ? 512 : size, steps == null ? 20 : steps)
          .run(checkpoint);
    } else {
      howToRead(r);
      referenceConv(r, device);
      Path packDir = model != null ? model : ModelLocator.builtIn();
      if (!pack) {
        r.println("small pack: skipped (--no-pack)");
      } else if (Files.exists(packDir)) {
        new SmallPackBench(r, device, repeat, packSteps, memorySteps, previewDecoder).run(packDir);
      } else {
        r.println("small pack: none at " + packDir + " (pass --model)");
      }
      if (sd15) {
        shape(r, device, ModelShape.sd15());
      }
    }
    long peak = Memory.processPeak();
    r.putMb("peak_rss_mb", peak);
    r.line("peak resident memory of the whole run: %s MB", BenchReport.mb(peak));
    if (json) {
      out.println(r.jsonLine());
      out.flush();
    }
    return 0;
  }

  /** The SD 1.5 shape's figures: every latent size, the text encode, then the previews. */
  void shape(BenchReport r, Device device, ModelShape shape) {
    Sd15ShapeBench bench = new Sd15ShapeBench(r, device, repeat, sd15Vae, profile, shape);
    Map<Integer, UNetBenchmark.Result> stepsBySide = new LinkedHashMap<>();
    for (int side : latents) {
      stepsBySide.put(side, bench.size(side));
    }
    bench.textEncode();
    if (previewLatent > 0) {
      UNetBenchmark.Result step = stepsBySide.get(previewLatent);
      if (step == null) {
        step = bench.step(previewLatent);
      }
      bench.previews(previewLatent, step);
    }
  }

  private static void howToRead(BenchReport r) {
    r.println(
        "How to read it: every figure is the median of timed repetitions after untimed warm-ups,"
            + " with the");
    r.println(
        "  fastest and slowest beside it (each line says how many). A guided step is one sampler"
            + " step with");
    r.println(
        "  classifier-free guidance (the UNet on a batch of 2, uncond + cond), no preview. Its %"
            + " of peak is");
    r.println(
        "  against the best rate of the UNet's own conv, linear and attention layers at that size,"
            + " each timed");
    r.println(
        "  alone. A preview frame is what the engine does for one step's picture: decode or"
            + " projection, clamp,");
    r.println(
        "  RGB bytes, smooth upscale to the output size; its % is of one guided step of the same"
            + " model and size.");
    r.println(
        "  Peak resident memory is the whole process's (weights included) while that figure ran.");
  }

  /** The machine and build: cores, CPU model, Java, device, threads, memory, version, time. */
  private static void machine(BenchReport r, Device device) {
    int cores = Runtime.getRuntime().availableProcessors();
    String cpu = cpuModel();
    String threads = System.getProperty("ai.djl.pytorch.num_threads", "default");
    String java = System.getProperty("java.version");
    long memory = memTotal();
    r.line(
        "Stepwise %s bench on %s, %s, %d cores, threads %s, %s MB memory, Java %s (%s)",
        Stepwise.version(),
        Devices.describe(device),
        cpu == null ? "CPU model unknown" : cpu,
        cores,
        threads,
        BenchReport.mb(memory),
        java,
        System.getProperty("java.vm.name", "?"));
    r.put("stepwise_version", Stepwise.version());
    r.put("time_utc", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    r.put("device", Devices.describe(device));
    r.put("cores", (long) cores);
    r.put("cpu_model", cpu);
    r.put("torch_threads", threads);
    r.put("java_version", java);
    r.put("java_vm", System.getProperty("java.vm.name"));
    r.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    r.put("arch", System.getProperty("os.arch"));
    r.putMb("memory_total_mb", memory);
  }

  /** The options this run used, as {@code opt_*} keys. */
  private void options(BenchReport r) {
    r.put("opt_repeat", (long) repeat);
    if (checkpoint != null) {
      r.put("opt_checkpoint", checkpoint.toString());
      r.put("opt_size", (long) (size == null ? 512 : size));
      r.put("opt_steps", (long) (steps == null ? 20 : steps));
      return;
    }
    r.put("opt_pack", pack);
    r.put("opt_model", model == null ? "built-in" : model.toString());
    r.put("opt_pack_steps", (long) packSteps);
    r.put("opt_memory_steps", (long) memorySteps);
    r.put("opt_sd15", sd15);
    r.put(
        "opt_latents",
        Arrays.stream(latents).mapToObj(Integer::toString).collect(Collectors.joining(",")));
    r.put("opt_sd15_vae", sd15Vae);
    r.put("opt_profile", profile);
    r.put("opt_preview_latent", (long) previewLatent);
  }

  /** "model name" of /proc/cpuinfo, or null. */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return null;
  }

  /** MemTotal of /proc/meminfo in bytes, or -1. */
  private static long memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /**
   * The reference convolution (3x3, batch 2, 128 -> 128 channels, 64x64, fp32), for comparing
   * machines: its best time of {@link #REFERENCE_CONV_REPEAT} after one warm-up, and its rate at 2
   * FLOP per multiply-add. Not the peak the guided steps are measured against (that one is of each
   * model's own layers at its size).
   */
  private static void referenceConv(BenchReport r, Device device) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray x = m.randomNormal(new Shape(2, 128, 64, 64)); // [B, Cin, H, W]
      NDArray w = m.randomNormal(new Shape(128, 128, 3, 3)); // [Cout, Cin, kh, kw]
      Conv2d conv = Conv2d.of(w, m.zeros(new Shape(128)), 1, 1);
      Timing.Figure f =
          Timing.fixed(
              () -> {
                try (NDManager s = m.newSubManager()) {
                  NDArray xs = x.duplicate();
                  xs.attach(s);
                  conv.forward(xs); // [2, 128, 64, 64]
                }
              },
              1,
              REFERENCE_CONV_REPEAT);
      double flop = 2.0 * 2 * 128 * 128 * 9 * 64 * 64;
      double gflops = flop / (f.min() / 1000) / 1e9;
      r.line(
          "reference conv (3x3, batch 2, 128->128 ch, 64x64, fp32; for comparing machines): best"
              + " %s ms = %.0f GFLOP/s (%s)",
          BenchReport.fmt(f.min()), gflops, f.describe());
      r.put("ref_conv_best_ms", f.min());
      r.put("ref_conv_gflops", gflops);
    }
  }

  /** The sentence refusing this run's options, or null when they are usable. */
  String problem() {
    if (repeat < 1 || repeat > 1000) {
      return "--repeat must be between 1 and 1000, got " + repeat + ".";
    }
    for (int side : latents) {
      if (side < 1 || side > 256) {
        return "--latents sides must be between 1 and 256 latent pixels (2048 image pixels), got "
            + side
            + ".";
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
    if (checkpoint == null && (size != null || steps != null)) {
      return (size != null ? "--size " + size : "--steps " + steps)
          + " applies to --checkpoint runs only; add --checkpoint FILE or leave it out.";
    }
    if (size != null && (size < 8 || size > 2048)) {
      return "--size must be between 8 and 2048 pixels, got " + size + ".";
    }
    if (steps != null && (steps < 3 || steps > 1000)) {
      return "--steps must be between 3 and 1000, got " + steps + ".";
    }
    if (checkpoint != null && !Files.isRegularFile(checkpoint) && !Files.isDirectory(checkpoint)) {
      return "--checkpoint " + checkpoint + " does not exist.";
    }
    if (model != null && !Files.exists(model)) {
      return "--model " + model + " does not exist.";
    }
    if (previewDecoder != null && !Files.exists(previewDecoder)) {
      return "--preview-decoder " + previewDecoder + " does not exist.";
    }
    return null;
  }

  /** The bench's option names, for tests. */
  static List<String> optionNames() {
    return List.of(
        "--model",
        "--[no-]pack",
        "--[no-]sd15",
        "--latents",
        "--memory-steps",
        "--repeat",
        "--pack-steps",
        "--preview-latent",
        "--[no-]sd15-vae",
        "--profile",
        "--preview-decoder",
        "--checkpoint",
        "--size",
        "--steps",
        "--json");
  }
}
