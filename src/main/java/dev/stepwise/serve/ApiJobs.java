package dev.stepwise.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.stepwise.Stepwise;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationResult;
import dev.stepwise.engine.ModelInfo;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.Recipe;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngImage;
import dev.stepwise.recipe.Settings;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's jobs on the {@link SamplingService}: at most {@code maxQueue} queued or running (429
 * beyond), the running one's progress as A1111's {@code /sdapi/v1/progress} reports it, with the
 * preview the studio would show, and {@code /sdapi/v1/interrupt}.
 */
final class ApiJobs {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  private final SamplingService service;
  private final ApiModels models;
  private final int maxQueue;
  private final AtomicInteger open = new AtomicInteger();
  private volatile Tracker running;
  private volatile boolean lastInterrupted;

  ApiJobs(SamplingService service, ApiModels models, int maxQueue) {
    this.service = service;
    this.models = models;
    this.maxQueue = maxQueue;
  }

  /** Jobs queued or running now. */
  int open() {
    return open.get();
  }

  /**
   * Queues {@code p}; the future completes with the response body once the job has ended (with the
   * images finished before an interrupt), or exceptionally with an {@link ApiException}.
   */
  CompletableFuture<JsonObject> submit(ApiRequests.Parsed p, String kind) {
    if (open.incrementAndGet() > maxQueue) {
      open.decrementAndGet();
      throw new ApiException(
          429,
          "The server's queue is full ("
              + maxQueue
              + " jobs); send the request again when a job has finished.");
    }
    Tracker t = new Tracker(p, kind);
    try {
      t.job = service.submit(p.request(), t);
    } catch (RuntimeException e) {
      open.decrementAndGet();
      throw new ApiException(503, "The server is shutting down; no job is taken.");
    }
    return t.done;
  }

  /** Interrupts the running job, as A1111's interrupt does; the queued ones still run. */
  void interrupt() {
    Tracker t = running;
    if (t != null) {
      t.interrupted = true;
      t.job.cancel();
    }
  }

  /** A1111's ProgressResponse for the running job, or the idle one. */
  JsonObject progress(boolean skipImage) {
    Tracker t = running;
    JsonObject o = new JsonObject();
    JsonObject state = new JsonObject();
    state.addProperty("skipped", false);
    if (t == null) {
      o.addProperty("progress", 0.0);
      o.addProperty("eta_relative", 0.0);
      state.addProperty("interrupted", lastInterrupted);
      state.addProperty("job", "");
      state.addProperty("job_count", 0);
      state.addProperty("job_timestamp", "0");
      state.addProperty("job_no", 0);
      state.addProperty("sampling_step", 0);
      state.addProperty("sampling_steps", 0);
      o.add("state", state);
      o.add("current_image", JsonNull.INSTANCE);
      o.add("textinfo", JsonNull.INSTANCE);
      return o;
    }
    StepEvent e = t.lastStep;
    int images = t.parsed.request().batch();
    o.addProperty("progress", e == null ? 0.0 : Math.min(1.0, e.progress(images)));
    o.addProperty("eta_relative", e == null || e.eta() == null ? 0.0 : e.eta().toMillis() / 1000.0);
    state.addProperty("interrupted", t.interrupted);
    state.addProperty("job", t.kind);
    state.addProperty("job_count", images);
    state.addProperty("job_timestamp", t.stamp);
    state.addProperty("job_no", e == null ? 0 : e.imageIndex());
    state.addProperty("sampling_step", e == null ? 0 : e.step() + 1);
    state.addProperty(
        "sampling_steps", e == null ? t.parsed.request().settings().steps() : e.totalSteps());
    o.add("state", state);
    String image = skipImage ? null : t.previewPng();
    if (image == null) {
      o.add("current_image", JsonNull.INSTANCE);
    } else {
      o.addProperty("current_image", image);
    }
    o.add("textinfo", JsonNull.INSTANCE);
    return o;
  }

  /** {@code sentence} without the server's folders: they are no business of a client's. */
  private String scrubbed(String sentence) {
    String s = sentence;
    for (ApiModels.Model m : models.all()) {
      s = s.replace(m.path().toString(), "the model " + m.name());
    }
    if (models.root() != null) {
      s = s.replace(models.root().toAbsolutePath().normalize().toString(), "the models folder");
    }
    return s;
  }

  /** One job's listener: its progress, its finished images, its response. */
  private final class Tracker implements GenerationListener {
    final ApiRequests.Parsed parsed;
    final String kind;
    final String stamp = LocalDateTime.now().format(STAMP);
    final CompletableFuture<JsonObject> done = new CompletableFuture<>();
    final List<GeneratedImage> images = new ArrayList<>();
    volatile JobHandle job;
    volatile ModelInfo model;
    volatile StepEvent lastStep;
    volatile boolean interrupted;
    private StepEvent encodedStep;
    private String encoded;

    Tracker(ApiRequests.Parsed parsed, String kind) {
      this.parsed = parsed;
      this.kind = kind;
    }

    @Override
    public void started(ModelInfo info) {
      model = info;
      models.learned(parsed.model().path(), info.hash());
      running = this;
    }

    @Override
    public void step(StepEvent event) {
      lastStep = event;
    }

    @Override
    public synchronized void image(GeneratedImage image) {
      images.add(image);
    }

    @Override
    public void finished(GenerationResult result) {
      end(false);
    }

    @Override
    public void cancelled() {
      end(true);
    }

    @Override
    public void failed(EngineException error) {
      ended();
      done.completeExceptionally(new ApiException(500, scrubbed(error.getMessage())));
    }

    private void ended() {
      if (running == this) {
        lastInterrupted = interrupted;
        running = null;
      }
      open.decrementAndGet();
    }

    private void end(boolean cancelled) {
      ended();
      if (cancelled && !interrupted) {
        done.completeExceptionally(
            new ApiException(503, "The server is shutting down; the job was stopped."));
        return;
      }
      // The response is built on the caller's thread (the sampler goes on with the next job).
      done.completeAsync(this::response);
    }

    /** The latest preview as base64 PNG, encoded once per step however often it is asked. */
    synchronized String previewPng() {
      StepEvent e = lastStep;
      if (e == null) {
        return null;
      }
      if (e != encodedStep) {
        RgbImage p = e.preview();
        encoded =
            p == null
                ? null
                : Base64.getEncoder()
                    .encodeToString(
                        PngImage.encode(p.width(), p.height(), p.rgb(), java.util.Map.of()));
        encodedStep = e;
      }
      return encoded;
    }

    /** A1111's TextToImageResponse: images, the request's parameters, and info as JSON text. */
    synchronized JsonObject response() {
      Settings s = parsed.request().settings();
      ModelInfo m = model;
      JsonArray b64 = new JsonArray();
      JsonArray infotexts = new JsonArray();
      JsonArray seeds = new JsonArray();
      JsonArray subseeds = new JsonArray();
      JsonArray prompts = new JsonArray();
      JsonArray negatives = new JsonArray();
      int w = s.width();
      int h = s.height();
      for (GeneratedImage img : images) {
        RgbImage rgb = img.image();
        Recipe r =
            Recipe.made(
                s,
                img.seed(),
                img.recipeWidth(),
                img.recipeHeight(),
                img.duration().toMillis(),
                m == null ? null : m.name(),
                m == null ? null : m.hash(),
                img.parameters());
        if (parsed.sendImages()) {
          byte[] png = PngImage.encode(rgb.width(), rgb.height(), rgb.rgb(), Library.textChunks(r));
          b64.add(Base64.getEncoder().encodeToString(png));
        }
        infotexts.add(InfoText.format(r.toParameters()));
        seeds.add(img.seed());
        subseeds.add(s.variationSeedOf(img.index()));
        prompts.add(s.prompt());
        negatives.add(s.negativePrompt());
        w = img.recipeWidth();
        h = img.recipeHeight();
      }
      JsonObject info = new JsonObject();
      info.addProperty("prompt", s.prompt());
      info.add("all_prompts", prompts);
      info.addProperty("negative_prompt", s.negativePrompt());
      info.add("all_negative_prompts", negatives);
      info.addProperty("seed", s.seed());
      info.add("all_seeds", seeds);
      info.addProperty("subseed", s.variationSeed());
      info.add("all_subseeds", subseeds);
      info.addProperty("subseed_strength", s.variationStrength());
      info.addProperty("width", w);
      info.addProperty("height", h);
      info.addProperty("sampler_name", s.sampler().displayName());
      info.addProperty("scheduler", s.karras() ? "Karras" : "Automatic");
      info.addProperty("cfg_scale", s.guidance());
      info.addProperty("steps", s.steps());
      info.addProperty("batch_size", parsed.batchSize());
      info.addProperty("restore_faces", false);
      info.add("face_restoration_model", JsonNull.INSTANCE);
      info.addProperty("sd_model_name", m == null ? parsed.model().name() : m.name());
      if (m == null || m.hash() == null) {
        info.add("sd_model_hash", JsonNull.INSTANCE);
      } else {
        info.addProperty("sd_model_hash", m.hash());
      }
      info.addProperty("seed_resize_from_w", -1);
      info.addProperty("seed_resize_from_h", -1);
      if (parsed.request().input() != null) {
        info.addProperty("denoising_strength", parsed.request().input().settings().strength());
      } else if (parsed.request().hires() != null) {
        info.addProperty("denoising_strength", parsed.request().hires().strength());
      } else {
        info.add("denoising_strength", JsonNull.INSTANCE);
      }
      info.add("extra_generation_params", new JsonObject());
      info.addProperty("index_of_first_image", 0);
      info.add("infotexts", infotexts);
      info.add("styles", new JsonArray());
      info.addProperty("job_timestamp", stamp);
      info.addProperty("clip_skip", s.clipSkip());
      info.addProperty("is_using_inpainting_conditioning", false);
      info.addProperty("interrupted", interrupted);
      info.addProperty("version", "Stepwise " + Stepwise.version());
      JsonObject o = new JsonObject();
      o.add("images", b64);
      o.add("parameters", parsed.parameters());
      o.addProperty("info", info.toString());
      return o;
    }
  }
}
