package dev.stepwise.cli;

import dev.stepwise.engine.Devices;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelLocator;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.PreviewSource;
import dev.stepwise.engine.backend.Backend;
import dev.stepwise.engine.backend.BackendPool;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.pack.ModelsFolder;
import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.engine.sampling.TimestepSpacing;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Library;
import dev.stepwise.recipe.GridPlan;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stepwise generate}: text to image, headless, through the same sampling service as the
 * studio.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Generates images from a prompt and saves them, each with its recipe, into the library (or"
            + " --out) as each is finished; progress goes to stderr.",
    footer = {
      "  stepwise generate --prompt \"a red heart emoji\" --seed 42 --out heart.png",
      "  stepwise generate --prompt \"a cat\" --init-image cat.png --strength 0.6",
      "  stepwise generate --prompt \"a cat\" --batch 2 --json -q | jq -r '.files[].file'"
    })
final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--prompt", required = true, description = "The prompt (\"\" for unconditional).")
  String prompt;

  @Mixin ImageInputOptions picture;

  /** The recipe keys naming the init image and mask (their library copies), once known. */
  Map<String, String> inputKeys = Map.of();

  @Option(names = "--negative", defaultValue = "", description = "Negative prompt.")
  String negative;

  @Option(
      names = "--steps",
      defaultValue = "" + Settings.DEFAULT_STEPS,
      description = "Sampler steps (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--guidance",
      defaultValue = "" + Settings.DEFAULT_GUIDANCE,
      description =
          "Guidance scale s, 0 to 30 (diffusers' and A1111's CFG scale; Ho & Salimans'"
              + " w = s - 1). Default ${DEFAULT-VALUE}.")
  double guidance;

  @Option(
      names = "--seed",
      description = "64-bit seed of the first image (default: random, printed).")
  Long seed;

  @Mixin VariationOptions variation = new VariationOptions();

  @Mixin SdxlSizeOptions sdxlSizes = new SdxlSizeOptions();

  @Mixin GridOptions grid = new GridOptions();

  @Option(
      names = "--sampler",
      defaultValue = "ddim",
      completionCandidates = Candidates.Samplers.class,
      description = "ddpm, ddim, euler, euler_a or dpmpp_2m (default ${DEFAULT-VALUE}).")
  String sampler;

  @Option(names = "--karras", description = "Karras et al. (2022) sigmas.")
  boolean karras;

  @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (0 = deterministic).")
  double eta;

  @Option(
      names = "--width",
      defaultValue = "0",
      description = "Width in pixels (default: the model's size).")
  int width;

  @Option(
      names = "--height",
      defaultValue = "0",
      description = "Height in pixels (default: the model's size).")
  int height;

  @Option(
      names = "--batch",
      defaultValue = "1",
      description = "Images to make; image i uses seed + i.")
  int batch;

  @Option(
      names = "--model",
      description =
          "Model: a diffusers-layout folder or a single-file SD 1.x / 2.x .safetensors checkpoint."
              + " Default: the built-in model.")
  Path model;

  @Option(
      names = "--backend",
      paramLabel = "NAME|URL",
      description =
          "Run on a server speaking AUTOMATIC1111's API (A1111, Forge, stepwise serve) or on a"
              + " ComfyUI server: a name from stepwise backends list, or a URL such as"
              + " http://user:pass@gpu-box:7860 or comfyui+http://gpu-box:8188; --model then"
              + " names one of its models. Repeat it for a pool (the kinds may mix): the job runs"
              + " on a server that offers the model, and on another if that one fails.")
  List<String> backends;

  @Option(
      names = "--prediction",
      description =
          "What the model predicts: epsilon or v, overriding its configuration (a single-file"
              + " SD 2.x checkpoint is taken for a v model; a 512-pixel base model needs epsilon).")
  String prediction;

  @Option(
      names = "--timestep-spacing",
      paramLabel = "leading|trailing|linspace",
      completionCandidates = Candidates.Spacings.class,
      description =
          "How the steps' timesteps are spaced, overriding the model's scheduler config: trailing"
              + " for SDXL-Turbo and Lightning single-file checkpoints (a file cannot say).")
  String timestepSpacing;

  @Option(
      names = "--clip-skip",
      defaultValue = "1",
      description =
          "AUTOMATIC1111's clip skip: the text encoder layer counted from the end (1 = the last;"
              + " 2 for many anime models); SD 2.x models ignore it. Default ${DEFAULT-VALUE}.")
  int clipSkip;

  @Option(
      names = "--vae",
      description =
          "A separate autoencoder to decode with (a single .safetensors file such as"
              + " vae-ft-mse-840000-ema-pruned.safetensors, or a diffusers AutoencoderKL folder).")
  Path vae;

  @Option(
      names = "--embeddings-dir",
      description =
          "Folder of textual-inversion embeddings (.safetensors): each file name is a word the"
              + " prompts may use. Default: the models folder's embeddings folder.")
  Path embeddingsDir;

  @Option(
      names = "--frames",
      description =
          "Folder to write every step's preview into, at the output size (imageI-stepNNN.png; the"
              + " last step's frame is the final image).")
  Path frames;

  @Option(
      names = "--preview",
      defaultValue = "auto",
      description =
          "How --frames are made: auto (the preview decoder if the model has one, else full decodes"
              + " as often as 25%% of a step allows, cheap frames between), tiny (the preview"
              + " decoder), full (the autoencoder every step), cheap (linear latent projection,"
              + " upscaled smoothly) or off. Default ${DEFAULT-VALUE}.")
  String preview;

  @Option(
      names = "--preview-decoder",
      description =
          "A TAESD-format preview decoder (diffusers AutoencoderTiny folder, or"
              + " taesd_decoder.safetensors) to use instead of the model's own.")
  Path previewDecoder;

  @Option(
      names = "--lora-dir",
      description =
          "Folder holding the LoRA files the prompt's <lora:name:weight> tags name (default: the"
              + " LoRA folder of --models-root).")
  Path loraDir;

  @Option(
      names = "--models-root",
      description =
          "Models folder, or an A1111 or ComfyUI install folder, whose LoRA folder the prompt's"
              + " <lora:...> tags are looked up in (default: $STEPWISE_MODELS or"
              + " $XDG_DATA_HOME/stepwise/models).")
  Path modelsRoot;

  @Option(
      names = "--preview-source",
      defaultValue = "x0",
      description =
          "Which tensor --frames shows: x0 (the predicted image), xt (the noisy latent) or eps (the"
              + " predicted noise). Default ${DEFAULT-VALUE}.")
  String previewSource;

  @Option(
      names = "--out",
      description =
          "Write this PNG instead of saving into the library (a batch writes NAME-0.png,"
              + " NAME-1.png, ...).")
  Path out;

  @Option(
      names = "--library",
      description =
          "Library folder to save into (default: -Dstepwise.library, $STEPWISE_LIBRARY or"
              + " $XDG_DATA_HOME/stepwise/library).")
  Path library;

  @Option(
      names = "--progress",
      paramLabel = "MODE",
      completionCandidates = Candidates.ProgressModes.class,
      description =
          "bar (the default on a terminal), plain (a line per image; the default otherwise),"
              + " json (an object per step and per file) or none.")
  String progress;

  @Option(names = "--json", description = "At the end, one JSON object on stdout: the files.")
  boolean json;

  @Option(
      names = "--weights",
      paramLabel = "stored|float32",
      defaultValue = "stored",
      converter = WeightsOption.class,
      description =
          "Weights in memory: stored keeps fp16 files in fp16 (half the memory), float32 widens"
              + " them once (twice the memory, faster steps on small images).")
  WeightPrecision weights;

  @Option(
      names = "--drop-text-encoders",
      description =
          "Free the text encoders once the prompts are encoded, before the steps (SDXL: 1.6 GB"
              + " less at the peak); each new prompt reads them again.")
  boolean dropTextEncoders;

  @Option(
      names = {"-q", "--quiet"},
      description = "Only errors (and --json); no progress unless --progress.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    Progress.Mode progressMode =
        progress == null && quiet ? Progress.Mode.NONE : Progress.choose(progress);
    if (out != null && !out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      throw new CliErrors.BadValue("--out must name a .png file, got " + out + ".");
    }
    PreviewMethod method;
    try {
      method = PreviewMethod.parse(preview);
    } catch (EngineException e) {
      throw new CliErrors.BadValue(
          "--preview must be auto, tiny, full, cheap or off, got \"" + preview + "\".");
    }
    PreviewSource source =
        switch (previewSource.trim().toLowerCase(Locale.ROOT)) {
          case "x0" -> PreviewSource.PREDICTED_IMAGE;
          case "xt", "x_t" -> PreviewSource.NOISY_LATENT;
          case "eps" -> PreviewSource.PREDICTED_NOISE;
          default ->
              throw new CliErrors.BadValue(
                  "--preview-source must be x0, xt or eps, got \"" + previewSource + "\".");
        };
    if (previewDecoder != null && !Files.exists(previewDecoder)) {
      throw new CliErrors.BadValue("--preview-decoder " + previewDecoder + " does not exist.");
    }
    if (vae != null && !Files.exists(vae)) {
      throw new CliErrors.BadValue("--vae " + vae + " does not exist.");
    }
    if (embeddingsDir != null && !Files.isDirectory(embeddingsDir)) {
      throw new CliErrors.BadValue("--embeddings-dir " + embeddingsDir + " is not a folder.");
    }
    Path embeddings =
        embeddingsDir != null
            ? embeddingsDir
            : ModelsFolder.at(ModelsFolder.defaultRoot()).folder(ModelsFolder.Kind.EMBEDDING);
    // Random seeds stay in 0..2^32-1: libtorch's generator (which Stepwise reproduces) reads only
    // the low 32 bits, so a printed seed then maps one to one to its noise.
    long firstSeed = seed != null ? seed : new SecureRandom().nextLong() & 0xFFFFFFFFL;
    GenerationRequest request;
    try {
      request = settingsFromOptions(firstSeed, source, method, embeddings);
    } catch (EngineException | dev.stepwise.recipe.RecipeException e) {
      throw e instanceof CliErrors.BadValue b ? b : new CliErrors.BadValue(e.getMessage());
    }
    GridPlan gridPlan = grid.plan(request, frames != null); // null without --grid
    Path modelDir = model != null ? model : ModelLocator.builtIn();
    Backend remote = null;
    BackendPool pool = null;
    if (backends != null && !backends.isEmpty()) {
      try {
        List<Backend> all = new ArrayList<>();
        for (String spec : backends) {
          all.add(BackendsCommand.resolve(spec)); // a URL, or a name in backends.json
        }
        if (all.size() == 1) {
          remote = all.get(0);
        } else {
          pool = new BackendPool(all, Duration.ofSeconds(5));
        }
      } catch (EngineException e) {
        throw new CliErrors.BadValue(e.getMessage());
      }
    } else if (!Files.isDirectory(modelDir) && !Files.isRegularFile(modelDir)) {
      throw new EngineException(
          "No model at "
              + modelDir
              + "; pass --model with a diffusers-layout folder or a .safetensors checkpoint.");
    }
    checkText(prompt, "--prompt");
    checkText(negative, "--negative");
    if (out != null) {
      checkWritable(out.toAbsolutePath().getParent(), "--out");
    }
    if (frames != null) {
      checkWritable(frames, "--frames");
    }
    // Opened (and probed) before generating so that an unusable library is reported before
    // minutes of work.
    try (Library lib =
            out != null ? null : library != null ? Library.open(library) : Library.open();
        SamplingService service =
            pool != null
                ? new SamplingService(pool)
                : remote != null
                    ? new SamplingService(remote)
                    : new SamplingService(
                        modelDir,
                        Devices.best(),
                        (dir, d) -> {
                          DiffusionModel m = DiffusionModel.load(dir, d, weights);
                          m.keepTextEncoders(!dropTextEncoders);
                          return m;
                        })) {
      if (lib != null) {
        checkWritable(lib.folder(), "the library");
      }
      inputKeys = picture.keep(lib);
      Progress bar = new Progress(spec.commandLine().getErr(), progressMode);
      if (gridPlan != null) {
        return new GridRun(this, gridPlan, lib, bar).run(service, request);
      }
      RunReport report = new RunReport(request.batch());
      FrameWriter writer = new FrameWriter(this, stdout, lib, bar, report);
      Path kept = out != null ? out.toAbsolutePath().getParent() : lib.folder();
      long t0 = System.nanoTime();
      GenerationResult result;
      try (Interrupt ctrlC =
          Interrupt.install(writer::interrupt, () -> writer.stopped(spec, kept, t0))) {
        JobHandle job = service.submit(request, writer);
        writer.job = job;
        if (ctrlC.interrupted()) {
          job.cancel();
        }
        try {
          result = job.result().join();
        } catch (java.util.concurrent.CancellationException e) {
          if (writer.failure == null && ctrlC.interrupted()) {
            return writer.stopped(spec, kept, t0);
          }
          throw writer.failure != null ? writer.failure : e;
        } catch (CompletionException e) {
          throw (e.getCause() instanceof Exception ex) ? ex : e;
        }
      } finally {
        bar.end();
      }
      if (writer.failure != null) {
        throw writer.failure; // the last file failed after the job had finished
      }
      report.backend(writer.job.backend());
      if (json) {
        stdout.println(report.json("ok", result.notices(), since(t0)));
      } else if (!quiet) {
        for (String notice : result.notices()) {
          stdout.println("note: " + notice);
        }
      }
      stdout.flush();
    }
    return 0;
  }

  static long since(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** The request the options describe; a value out of range is refused by its builder. */
  private GenerationRequest settingsFromOptions(
      long firstSeed, PreviewSource source, PreviewMethod method, Path embeddings) {
    return sdxlSizes
        .applyTo(variation.applyTo(GenerationRequest.builder()))
        .model(model)
        .prompt(prompt)
        .negativePrompt(negative)
        .steps(steps)
        .guidance(guidance)
        .seed(firstSeed)
        .sampler(Sampler.parse(sampler))
        .karras(karras)
        .eta(eta)
        .size(width, height)
        .batch(batch)
        .previewSource(source)
        .previewMethod(frames == null ? PreviewMethod.OFF : method)
        .previewDecoder(previewDecoder)
        .prediction(parsePrediction(prediction))
        .spacing(parseSpacing(timestepSpacing))
        .clipSkip(clipSkip)
        .vae(vae)
        .embeddings(Files.isDirectory(embeddings) ? embeddings : null)
        .loraFolder(loraFolder())
        .input(picture.input())
        .hires(picture.hires())
        .build();
  }

  /** The folder {@code <lora:name>} tags are looked up in; null for the default models root's. */
  private Path loraFolder() {
    if (loraDir != null) {
      if (!Files.isDirectory(loraDir)) {
        throw new CliErrors.BadValue("--lora-dir " + loraDir + " is not a folder.");
      }
      return loraDir;
    }
    if (modelsRoot != null) {
      if (!Files.isDirectory(modelsRoot)) {
        throw new CliErrors.BadValue("--models-root " + modelsRoot + " is not a folder.");
      }
      return ModelsFolder.at(modelsRoot).folder(ModelsFolder.Kind.LORA);
    }
    return null;
  }

  /** A failure's sentence without its final period, to be quoted inside another sentence. */
  static String reason(Throwable t) {
    String m = CliErrors.message(t);
    return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
  }

  private static PredictionType parsePrediction(String p) {
    if (p == null) {
      return null;
    }
    return switch (p.trim().toLowerCase(Locale.ROOT)) {
      case "epsilon", "eps" -> PredictionType.EPSILON;
      case "v", "v_prediction" -> PredictionType.V_PREDICTION;
      default ->
          throw new CliErrors.BadValue("--prediction must be epsilon or v, got \"" + p + "\".");
    };
  }

  private static TimestepSpacing parseSpacing(String s) {
    if (s == null) {
      return null;
    }
    for (TimestepSpacing t : TimestepSpacing.values()) {
      if (t.configName().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new CliErrors.BadValue(
        "--timestep-spacing must be leading, trailing or linspace, got \"" + s + "\".");
  }

  /** Refuses text no model or PNG chunk can carry, before any work: a NUL, or over 1 MiB. */
  private static void checkText(String text, String option) {
    if (text.indexOf('\0') >= 0) {
      throw new CliErrors.BadValue(
          option + " contains a NUL character, which a prompt cannot hold.");
    }
    if (text.length() > MAX_TEXT_CHARS) {
      throw new CliErrors.BadValue(
          option
              + " is "
              + text.length()
              + " characters long; at most "
              + MAX_TEXT_CHARS
              + " are accepted.");
    }
  }

  /** The longest prompt accepted (1 MiB of characters; the text window keeps far fewer). */
  static final int MAX_TEXT_CHARS = 1 << 20;

  /** Creates {@code folder} and makes sure a file can be written there, before any work. */
  private static void checkWritable(Path folder, String what) {
    try {
      Files.createDirectories(folder);
      Path probe = Files.createTempFile(folder, ".stepwise-probe", ".tmp");
      Files.delete(probe);
    } catch (java.io.IOException | SecurityException e) {
      throw new EngineException(
          "Cannot write into "
              + folder
              + " for "
              + what
              + " ("
              + reason(e)
              + "); choose a writable folder.");
    }
  }
}
