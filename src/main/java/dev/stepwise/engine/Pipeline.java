package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.lora.LoraTags;
import dev.stepwise.engine.prompt.Embedding;
import dev.stepwise.engine.prompt.Embeddings;
import dev.stepwise.engine.random.NoiseSource;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.random.VariationNoise;
import dev.stepwise.engine.sampling.DdpmVariance;
import dev.stepwise.engine.sampling.Guidance;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.ModelFunction;
import dev.stepwise.engine.sampling.SamplerSettings;
import dev.stepwise.engine.sampling.SamplingRun;
import dev.stepwise.engine.sampling.SchedulerConfig;
import dev.stepwise.engine.sampling.StepResult;
import dev.stepwise.recipe.Sampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Text-to-image sampling with classifier-free guidance, one request at a time, as diffusers'
 * StableDiffusionPipeline.__call__ (pipelines/stable_diffusion/pipeline_stable_diffusion.py):
 * encode the prompt (and the negative prompt or ""), start from seeded noise, run the sampler with
 * eps = eps_u + s (eps_c - eps_u), decode with the autoencoder.
 *
 * <p>Memory: one NDManager per job holds the text embeddings; every network evaluation runs in its
 * own sub-manager that is closed before the step returns, and the sampler's state lives on the Java
 * heap, so native memory stays flat however many steps run.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final DiffusionModel model;

  public Pipeline(DiffusionModel model) {
    this.model = model;
  }

  /**
   * Checks a request against the model: size a multiple of the autoencoder's factor, steps within
   * the schedule, memory enough. Throws {@link EngineException} with one plain sentence.
   */
  public void validate(GenerationRequest r) {
    if (model.isInpainting()) {
      throw new EngineException(
          "The model "
              + model.info().name()
              + " is an inpainting model (its UNet takes "
              + model.unetConfig().inChannels()
              + " input channels); it loads, but Stepwise cannot generate with it until"
              + " inpainting comes.");
    }
    int f = model.info().vaeFactor();
    if (r.settings().width() % f != 0 || r.settings().height() % f != 0) {
      throw new EngineException(
          "The image size must be a multiple of "
              + f
              + " pixels for this model, got "
              + r.settings().width()
              + "x"
              + r.settings().height()
              + ".");
    }
    int t = model.schedulerConfig().numTrainTimesteps();
    if (r.settings().steps() > t) {
      throw new EngineException(
          "Steps must be between 1 and "
              + t
              + " (this model's schedule length), got "
              + r.settings().steps()
              + ".");
    }
    MemoryEstimate.check(
        model,
        r.settings().width(),
        r.settings().height(),
        Guidance.needsUnconditional(r.settings().guidance()));
  }

  /** The model's scheduler config, with the request's prediction type when it names one. */
  private SchedulerConfig scheduler(GenerationRequest r) {
    SchedulerConfig c = model.schedulerConfig();
    return r.prediction() == null ? c : c.withPredictionType(r.prediction());
  }

  /** Runs {@code request} on the calling thread, reporting to {@code listener}. */
  public GenerationResult run(
      GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
    return run(request, listener, cancel, null);
  }

  /**
   * Runs {@code request} starting image 0 from the given standard-normal latents [1, C, h, w]
   * instead of its seed's noise (to reproduce another tool's run, or golden values). Step noise of
   * ancestral samplers still comes from the seed.
   */
  public GenerationResult run(
      GenerationRequest asked,
      GenerationListener listener,
      CancellationToken cancel,
      Latents initialNoise) {
    GenerationRequest request = resolve(asked);
    validate(request);
    long start = System.nanoTime();
    int h = request.settings().height() / model.info().vaeFactor();
    int w = request.settings().width() / model.info().vaeFactor();
    int c = model.latentChannels();
    boolean guided = Guidance.needsUnconditional(request.settings().guidance());
    List<String> notices = new ArrayList<>();
    List<GeneratedImage> images = new ArrayList<>();
    Map<String, String> parameters = new LinkedHashMap<>();
    // A separate autoencoder, recorded as A1111 does (processing.py create_infotext: VAE hash,
    // VAE).
    VaeChoice vae = model.useVae(request.vae(), notices);
    if (vae != null) {
      parameters.put("VAE hash", vae.hash());
      parameters.put("VAE", vae.name());
    }
    int clipSkip = model.clipSkipFor(request.settings().clipSkip(), notices);
    Embeddings embeddings = model.embeddings(request.embeddings(), notices);
    Set<Embedding> used = new LinkedHashSet<>();
    try (NDManager job = model.newJobManager()) {
      // 1. Text conditioning: [1, L, D] each; guided batches are [uncond, cond] as in diffusers.
      //    A prompt of k 75-token chunks has L = 77 k; when the two lengths differ, the network
      //    runs once for each, as AUTOMATIC1111 does by default (sd_samplers_cfg_denoiser.py
      //    forward, pad_cond_uncond off).
      //    The prompt's <lora:name:w> tags are cut out and their LoRA merged first (A1111:
      //    processing.py parse_extra_network_prompts, only the prompt's tags).
      LoraTags.Parsed tags = LoraTags.parse(request.settings().prompt());
      String loraHashes = model.applyLoras(tags.loras(), request.loraFolder());
      if (loraHashes != null) {
        parameters.put("Lora hashes", loraHashes);
      }
      tagNotices(tags, request.settings().negativePrompt(), notices);
      NDArray cond =
          model.encodeText(
              tags.text(), "prompt", clipSkip, embeddings, job, notices, used); // [1, L, D]
      NDArray[] contexts = {cond};
      if (guided) {
        NDArray uncond =
            model.encodeText(
                request.settings().negativePrompt(),
                "negative prompt",
                clipSkip,
                embeddings,
                job,
                notices,
                used); // [1, L', D]
        contexts =
            uncond.getShape().get(1) == cond.getShape().get(1)
                ? new NDArray[] {uncond.concat(cond, 0)} // [2, L, D]
                : new NDArray[] {uncond, cond}; // [1, L', D] and [1, L, D]
      }
      if (!used.isEmpty()) {
        // sd_hijack_clip.py forward: "TI hashes" as "name: shorthash, ...", ":" and "," dropped.
        List<String> hashes = new ArrayList<>();
        for (Embedding e : used) {
          hashes.add(e.name().replace(":", "").replace(",", "") + ": " + e.shortHash());
        }
        parameters.put("TI hashes", String.join(", ", hashes));
      }
      final NDArray[] ctx = contexts;
      ModelFunction network =
          (input, timestep) ->
              evaluate(
                  input, timestep, ctx, guided, request.settings().guidance(), c, h, w, cancel);
      double ddimEta = request.settings().sampler() == Sampler.DDIM ? request.settings().eta() : 0;
      SamplerSettings settings =
          new SamplerSettings(
              request.settings().sampler(),
              request.settings().steps(),
              request.settings().karras(),
              null,
              ddimEta,
              DdpmVariance.FIXED_LARGE);
      StepPreviews previews = new StepPreviews(model, request, notices, listener);
      for (int i = 0; i < request.batch(); i++) {
        long imageStart = System.nanoTime();
        long seed = request.settings().seedOf(i);
        // 2. Seeded noise: image i from seed + i, bit for bit independent of DJL and threads. One
        // generator gives the initial noise and then, continuing, the step noise; it draws the
        // initial noise even when given latents replace it, so the step noise stays the seed's.
        // A variation seed (A1111's subseed) mixes a second seed's noise into the first draw only.
        NoiseSource seeded = VariationNoise.of(new SeedNoise(seed), request.settings(), i, c, h, w);
        Latents fromSeed = Latents.initialNoise(seeded, c, h, w); // [1, C, h, w] ~ N(0, 1)
        Latents noise =
            i == 0 && initialNoise != null ? checkedNoise(initialNoise, c, h, w) : fromSeed;
        SamplingRun run =
            SamplingRun.start(model.schedule(), scheduler(request), settings, noise, seeded);
        GeneratedImage finished = null;
        // 3. Denoising loop, one event per step; the last step's event carries the finished image.
        while (run.hasNext()) {
          cancel.check();
          long t0 = System.nanoTime();
          StepResult s = run.step(network);
          previews.stepTook(System.nanoTime() - t0);
          checkFinite(s.xt(), s.index(), run.totalSteps(), i, seed);
          if (!run.hasNext()) {
            cancel.check();
            // 4. Decode: x = vae.decode(latents / scaling_factor), clamp(x/2 + 0.5, 0, 1).
            Latents fin = run.latents(); // [1, C, h, w]
            float[] pixels = model.decodeToPixels(fin.data(), 1, h, w); // [3, H, W] in [0, 1]
            checkFinite(
                new Latents(pixels, 1, 3, request.settings().height(), request.settings().width()),
                run.totalSteps() - 1,
                run.totalSteps(),
                i,
                seed);
            RgbImage image =
                RgbImage.fromChw(pixels, request.settings().width(), request.settings().height());
            finished =
                new GeneratedImage(
                    i,
                    seed,
                    image,
                    Duration.ofNanos(System.nanoTime() - imageStart),
                    VariationNoise.parameters(parameters, request.settings(), i));
          }
          Latents xt = run.toVariancePreserving(s.xt(), s.index() + 1); // [1, C, h, w], VP units
          PreviewSource watched = watched(listener, request);
          StepFrames frames =
              previews.frames(s, xt, watched, finished == null ? null : finished.image());
          Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
          int done = i * run.totalSteps() + s.index() + 1;
          int total = request.batch() * run.totalSteps();
          Duration left = elapsed.multipliedBy(total - done).dividedBy(done);
          int image = i;
          safe(
              () ->
                  listener.step(
                      new StepEvent(
                          image,
                          s.index(),
                          run.totalSteps(),
                          s.timestep(),
                          elapsed,
                          left,
                          xt,
                          s.predictedX0(),
                          s.predictedNoise(),
                          frames)));
        }
        GeneratedImage g = finished;
        images.add(g);
        safe(() -> listener.image(g));
      }
    }
    GenerationResult result =
        new GenerationResult(
            request,
            model.info(),
            List.copyOf(images),
            Duration.ofNanos(System.nanoTime() - start),
            List.copyOf(notices),
            parameters);
    return result;
  }

  /** Sentences about tags that have no effect. */
  private static void tagNotices(LoraTags.Parsed tags, String negative, List<String> notices) {
    for (String type : tags.otherTypes()) {
      notices.add(
          "The prompt's <"
              + type
              + ":...> tags were left out of the text; Stepwise applies only <lora:...>.");
    }
    if (LoraTags.hasTags(negative)) {
      notices.add(
          "The negative prompt's <...> tags apply no LoRA and are read as text, as A1111 does;"
              + " put them in the prompt.");
    }
  }

  /** The request with a size of 0 replaced by the model's own size (UNet sample_size x factor). */
  public GenerationRequest resolve(GenerationRequest r) {
    int own = model.unetConfig().sampleSize() * model.info().vaeFactor();
    if (r.settings().width() != 0 && r.settings().height() != 0) {
      return r;
    }
    return r.withSize(
        r.settings().width() == 0 ? own : r.settings().width(),
        r.settings().height() == 0 ? own : r.settings().height());
  }

  private static Latents checkedNoise(Latents n, int c, int h, int w) {
    if (n.batch() != 1 || n.channels() != c || n.height() != h || n.width() != w) {
      throw new EngineException(
          "The initial latents must have shape [1, "
              + c
              + ", "
              + h
              + ", "
              + w
              + "], got ["
              + n.batch()
              + ", "
              + n.channels()
              + ", "
              + n.height()
              + ", "
              + n.width()
              + "].");
    }
    return n;
  }

  /**
   * One guided network evaluation in its own sub-manager: [1, C, h, w] in, eps or v out. {@code
   * contexts} is one batch ([1, L, D], or [uncond, cond] as [2, L, D]) or, when the two lengths
   * differ, uncond [1, L', D] and cond [1, L, D], evaluated one after the other.
   */
  private float[] evaluate(
      float[] input,
      double timestep,
      NDArray[] contexts,
      boolean guided,
      double guidance,
      int c,
      int h,
      int w,
      CancellationToken cancel) {
    cancel.check();
    try (NDManager step = contexts[0].getManager().newSubManager()) {
      NDArray x = step.create(input, new Shape(1, c, h, w)); // [1, C, h, w]
      float[] o;
      if (contexts.length == 2) {
        NDArray t = step.full(new Shape(1), (float) timestep); // [1]
        NDArray outUncond = model.unet().forward(x, t, contexts[0]); // [1, C, h, w]
        NDArray outCond = model.unet().forward(x, t, contexts[1]); // [1, C, h, w]
        o = outUncond.concat(outCond, 0).toFloatArray(); // [2, C, h, w]
      } else {
        if (guided) {
          x = x.concat(x, 0); // [2, C, h, w]: uncond and cond share the input
        }
        long b = x.getShape().get(0);
        NDArray t = step.full(new Shape(b), (float) timestep); // [B]
        NDArray out = model.unet().forward(x, t, contexts[0]); // [B, C, h, w]
        o = out.toFloatArray();
      }
      if (!guided) {
        return o;
      }
      int n = c * h * w;
      float[] uncond = new float[n];
      float[] condOut = new float[n];
      System.arraycopy(o, 0, uncond, 0, n);
      System.arraycopy(o, n, condOut, 0, n);
      return Guidance.combine(uncond, condOut, guidance); // eps_u + s (eps_c - eps_u)
    }
  }

  /**
   * Fails the job when the sampler's state holds NaN or an infinity: from then on every pixel is
   * black, and a black image saved with its recipe would look like a result.
   */
  private static void checkFinite(Latents x, int step, int steps, int image, long seed) {
    for (float v : x.data()) {
      if (!Float.isFinite(v)) {
        throw new EngineException(
            "The sampler's numbers overflowed (not-a-number or infinite) at step "
                + (step + 1)
                + " of "
                + steps
                + " for the image with seed "
                + seed
                + ", so nothing was saved for it;"
                + " broken or mismatched model weights do this.");
      }
    }
  }

  /** The source the listener watches now, else the request's. */
  private static PreviewSource watched(GenerationListener listener, GenerationRequest request) {
    try {
      PreviewSource p = listener.previewSource();
      return p != null ? p : request.previewSource();
    } catch (RuntimeException e) {
      LOG.warn(
          "a generation listener failed to say what it shows; the request's source is used", e);
      return request.previewSource();
    }
  }

  private static void safe(Runnable r) {
    try {
      r.run();
    } catch (CancellationToken.CancelledException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.warn("a generation listener failed; the job goes on", e);
    }
  }
}
