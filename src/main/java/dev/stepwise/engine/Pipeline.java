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
import dev.stepwise.engine.sampling.StrengthSchedule;
import dev.stepwise.recipe.PictureParameters;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
  private final DiffusionModel model;

  /** Stepwise's PNG key for a timestep spacing the request chose (leading, trailing, linspace). */
  public static final String TIMESTEP_SPACING = "Timestep spacing";

  public Pipeline(DiffusionModel model) {
    this.model = model;
  }

  /**
   * Checks a request against the model: size a multiple of the autoencoder's factor, steps within
   * the schedule, memory enough. Throws {@link EngineException} with one plain sentence.
   */
  public void validate(GenerationRequest r) {
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
    if (model.sdxl() == null && !r.sizes().equals(SizeConditioning.DEFAULT)) {
      throw new EngineException(
          "Original size, crop and target size condition SDXL models only; this model is not"
              + " SDXL, so leave them at their defaults.");
    }
    boolean guided = Guidance.needsUnconditional(r.settings().guidance());
    MemoryEstimate.check(model, r.settings().width(), r.settings().height(), guided);
    if (r.hires() != null) {
      if (r.input() != null) {
        throw new EngineException(
            "The hires fix enlarges a picture made from text; it cannot be combined with an init"
                + " image (use img2img at the larger size instead).");
      }
      StrengthSchedule p =
          StrengthSchedule.hires(r.hires().stepsAfter(r.settings().steps()), r.hires().strength());
      if (p.scheduleSteps() > t) {
        throw new EngineException(
            "The hires fix's "
                + p.steps()
                + " steps at strength "
                + r.hires().strength()
                + " need a schedule of "
                + p.scheduleSteps()
                + " steps (steps / strength), more than this model's "
                + t
                + "; use fewer hires steps or a higher strength.");
      }
      int[] big = HiresFix.size(r.settings().width(), r.settings().height(), r.hires(), f);
      MemoryEstimate.check(model, big[0], big[1], guided);
    }
  }

  /**
   * The SDXL refiner's sentences: made for img2img (SDXL report, section 2.5: trained on the first
   * 200 noise levels), and its time ids have no target size.
   */
  private void refinerNotices(GenerationRequest r, List<String> notices) {
    if (!model.sdxl().refiner()) {
      return;
    }
    if (r.input() == null) {
      notices.add(
          "This is an SDXL refiner, trained on the last steps of the noise schedule; it makes"
              + " poor pictures from text, so give it an init image at a low strength (about"
              + " 0.3).");
    }
    int[] ids = r.sizes().timeIds(r.settings().width(), r.settings().height());
    if (ids[4] != r.settings().height() || ids[5] != r.settings().width()) {
      notices.add(
          "The target size has no effect on an SDXL refiner: its time ids are the original size,"
              + " the crop and the aesthetic score.");
    }
  }

  /** The model's scheduler config, with the request's prediction type when it names one. */
  private SchedulerConfig scheduler(GenerationRequest r) {
    SchedulerConfig c = model.schedulerConfig();
    c = r.spacing() == null ? c : c.withTimestepSpacing(r.spacing());
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
    if (request.input() != null) {
      parameters.putAll(PictureParameters.of(request.input().settings(), request.input().masked()));
    }
    if (request.hires() != null) {
      parameters.putAll(PictureParameters.of(request.hires()));
    }
    if (request.spacing() != null) { // Stepwise's key, only when the request overrides it
      parameters.put(TIMESTEP_SPACING, request.spacing().configName());
    }
    if (model.sdxl() != null) { // Stepwise's keys, each only when not diffusers' default
      parameters.putAll(
          request.sizes().parameters(request.settings().width(), request.settings().height()));
      refinerNotices(request, notices);
    }
    int clipSkip = model.clipSkipFor(request.settings().clipSkip(), notices);
    Embeddings embeddings = model.embeddings(request.embeddings(), notices);
    Set<Embedding> used = new LinkedHashSet<>();
    try (NDManager job = model.newJobManager()) {
      // 1. Text conditioning ({@link #contexts}; SDXL: {@link Conditioning#sdxl}).
      //    The prompt's <lora:name:w> tags are cut out and their LoRA merged first (A1111:
      //    processing.py parse_extra_network_prompts, only the prompt's tags).
      LoraTags.Parsed tags = LoraTags.parse(request.settings().prompt());
      String loraHashes = model.applyLoras(tags.loras(), request.loraFolder());
      if (loraHashes != null) {
        parameters.put("Lora hashes", loraHashes);
      }
      tagNotices(tags, request.settings().negativePrompt(), notices);
      Conditioning ctx =
          model.isSdxl()
              ? Conditioning.sdxl(
                  model.sdxl(),
                  tags.text(),
                  request.settings().negativePrompt(),
                  guided,
                  clipSkip,
                  request.sizes(),
                  request.settings().width(),
                  request.settings().height(),
                  embeddings,
                  used,
                  job,
                  notices)
              : Conditioning.of(
                  contexts(request, tags.text(), guided, clipSkip, embeddings, job, notices, used));
      model.promptsEncoded(); // the batch shares them: the text encoders may go now
      if (!used.isEmpty()) {
        // sd_hijack_clip.py forward: "TI hashes" as "name: shorthash, ...", ":" and "," dropped.
        List<String> hashes = new ArrayList<>();
        for (Embedding e : used) {
          hashes.add(e.name().replace(":", "").replace(",", "") + ": " + e.shortHash());
        }
        parameters.put("TI hashes", String.join(", ", hashes));
      }
      double ddimEta = request.settings().sampler() == Sampler.DDIM ? request.settings().eta() : 0;
      StepPreviews previews = new StepPreviews(model, request, notices, listener);
      // 2. What the run starts from: the init image's latents, masks and schedule (img2img), or an
      // inpainting UNet's extra channels; null for plain text to image.
      PictureStart picture = PictureStart.prepare(model, request);
      StrengthSchedule plan =
          picture == null || picture.plan == null
              ? new StrengthSchedule(request.settings().steps(), 0)
              : picture.plan;
      SamplerSettings firstPass = samplerSettings(request, plan.scheduleSteps(), ddimEta);
      ModelFunction network = network(ctx, guided, request, c, h, w, picture, cancel);
      Hires hires = hires(request, ddimEta, ctx, guided, c, cancel);
      int imageSteps = plan.steps() + (hires == null ? 0 : hires.plan.steps());
      StepLoop.Clock clock = new StepLoop.Clock(listener, request, start, imageSteps, cancel);
      for (int i = 0; i < request.batch(); i++) {
        long imageStart = System.nanoTime();
        long seed = request.settings().seedOf(i);
        // 3. Seeded noise: image i from seed + i, bit for bit independent of DJL and threads. One
        // generator gives the initial noise and then, continuing, the step noise; it draws the
        // initial noise even when given latents replace it, so the step noise stays the seed's.
        // A variation seed (A1111's subseed) mixes a second seed's noise into the first draw only.
        NoiseSource seeded = VariationNoise.of(new SeedNoise(seed), request.settings(), i, c, h, w);
        Latents fromSeed = Latents.initialNoise(seeded, c, h, w); // [1, C, h, w] ~ N(0, 1)
        Latents noise =
            i == 0 && initialNoise != null ? checkedNoise(initialNoise, c, h, w) : fromSeed;
        SamplingRun run =
            SamplingRun.start(model.schedule(), scheduler(request), firstPass, noise, seeded);
        StepLoop.Blend blend = null;
        Latents x0 = null;
        if (picture != null && picture.x0 != null) {
          // img2img: q(x_t | x_0) at the strength's first step, with the seed's noise.
          x0 = picture.startLatents(noise); // [1, C, h, w]
          run.startFrom(plan.start(), x0, noise);
          if (picture.repaint != null && !model.isInpainting()) {
            blend = new StepLoop.Blend(picture.repaint, x0, noise);
          }
        }
        Latents known = x0;
        int n = i;
        int width = request.settings().width();
        int height = request.settings().height();
        // 4. Denoising loop, one event per step; the last step's event carries the finished image.
        RgbImage image;
        if (hires == null) {
          image =
              StepLoop.steps(
                  run,
                  network,
                  previews,
                  blend,
                  clock,
                  i,
                  seed,
                  0,
                  lat -> finish(lat, known, picture, width, height, n, seed, imageSteps));
        } else {
          StepLoop.steps(run, network, previews, blend, clock, i, seed, 0, null);
          int[] big = hires.size;
          Latents enlarged =
              HiresFix.enlarge(model, run.latents(), request.hires(), big[0], big[1]);
          // A1111's sample_hr_pass: a new generator with the image's seed for the larger noise.
          SeedNoise seeded2 = new SeedNoise(seed);
          Latents noise2 = Latents.initialNoise(seeded2, c, big[1] / f(), big[0] / f());
          SamplingRun run2 =
              SamplingRun.start(
                  model.schedule(), scheduler(request), hires.settings, noise2, seeded2);
          run2.startFrom(hires.plan.start(), enlarged, noise2);
          image =
              StepLoop.steps(
                  run2,
                  hires.network,
                  hires.previews,
                  null,
                  clock,
                  i,
                  seed,
                  plan.steps(),
                  lat -> finish(lat, null, null, big[0], big[1], n, seed, imageSteps));
        }
        for (String said : model.vaes().takeDecodeNotices()) { // fp32 redo after a half overflow
          if (!notices.contains(said)) {
            notices.add(said);
            StepLoop.safe(() -> listener.notice(said));
          }
        }
        GeneratedImage g =
            new GeneratedImage(
                i,
                seed,
                image,
                Duration.ofNanos(System.nanoTime() - imageStart),
                VariationNoise.parameters(parameters, request.settings(), i),
                request.settings().width(),
                request.settings().height());
        images.add(g);
        StepLoop.safe(() -> listener.image(g));
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

  /**
   * The text contexts of an SD 1.x / 2.x request: [1, L, D] each; guided batches are [uncond, cond]
   * as in diffusers. A prompt of k 75-token chunks has L = 77 k; when the two lengths differ, the
   * network runs once for each, as AUTOMATIC1111 does by default (sd_samplers_cfg_denoiser.py
   * forward, pad_cond_uncond off).
   */
  private NDArray[] contexts(
      GenerationRequest request,
      String prompt,
      boolean guided,
      int clipSkip,
      Embeddings embeddings,
      NDManager job,
      List<String> notices,
      Set<Embedding> used) {
    NDArray cond =
        model.encodeText(prompt, "prompt", clipSkip, embeddings, job, notices, used); // [1, L, D]
    if (!guided) {
      return new NDArray[] {cond};
    }
    NDArray uncond =
        model.encodeText(
            request.settings().negativePrompt(),
            "negative prompt",
            clipSkip,
            embeddings,
            job,
            notices,
            used); // [1, L', D]
    return uncond.getShape().get(1) == cond.getShape().get(1)
        ? new NDArray[] {uncond.concat(cond, 0)} // [2, L, D]
        : new NDArray[] {uncond, cond}; // [1, L', D] and [1, L, D]
  }

  /** The hires fix's second pass, set up once per request. */
  private record Hires(
      int[] size,
      StrengthSchedule plan,
      SamplerSettings settings,
      ModelFunction network,
      StepPreviews previews) {}

  private int f() {
    return model.info().vaeFactor();
  }

  private static SamplerSettings samplerSettings(GenerationRequest r, int steps, double ddimEta) {
    return new SamplerSettings(
        r.settings().sampler(),
        steps,
        r.settings().karras(),
        null,
        ddimEta,
        DdpmVariance.FIXED_LARGE);
  }

  /** The guided network at latent size h x w, with an inpainting UNet's extra channels. */
  private ModelFunction network(
      Conditioning ctx,
      boolean guided,
      GenerationRequest r,
      int c,
      int h,
      int w,
      PictureStart picture,
      CancellationToken cancel) {
    float[] extra = picture == null ? null : picture.conditioning; // [1, C + 1, h, w] or null
    double s = r.settings().guidance();
    return (input, timestep) -> evaluate(input, timestep, ctx, guided, s, c, h, w, extra, cancel);
  }

  /** The hires fix's second pass for {@code r}, or null without one. */
  private Hires hires(
      GenerationRequest r,
      double ddimEta,
      Conditioning ctx,
      boolean guided,
      int c,
      CancellationToken cancel) {
    if (r.hires() == null) {
      return null;
    }
    int[] big = HiresFix.size(r.settings().width(), r.settings().height(), r.hires(), f());
    StrengthSchedule plan =
        StrengthSchedule.hires(r.hires().stepsAfter(r.settings().steps()), r.hires().strength());
    PictureStart cond = null;
    GenerationRequest bigger = r.withSize(big[0], big[1]);
    if (model.isInpainting()) {
      cond = PictureStart.prepare(model, bigger); // A1111: txt2img conditioning at the new size
    }
    ModelFunction net = network(ctx, guided, r, c, big[1] / f(), big[0] / f(), cond, cancel);
    GenerationListener quiet = new GenerationListener() {}; // its notices were said once already
    StepPreviews previews = new StepPreviews(model, bigger, new ArrayList<>(), quiet);
    return new Hires(big, plan, samplerSettings(r, plan.scheduleSteps(), ddimEta), net, previews);
  }

  /**
   * Decodes final latents: x = vae.decode(latents / scaling_factor), clamp(x/2 + 0.5, 0, 1), after
   * A1111's final latent blend of a masked run, and composites the result onto the init image.
   */
  private RgbImage finish(
      Latents latents,
      Latents known,
      PictureStart picture,
      int width,
      int height,
      int image,
      long seed,
      int steps) {
    Latents fin = latents; // [1, C, h, w]
    if (picture != null && known != null && !model.isInpainting()) {
      fin = picture.blendFinal(latents, known);
    }
    float[] pixels = model.decodeToPixels(fin.data(), 1, fin.height(), fin.width()); // [3, H, W]
    StepLoop.checkFinite(new Latents(pixels, 1, 3, height, width), steps - 1, steps, image, seed);
    RgbImage out = RgbImage.fromChw(pixels, width, height);
    return picture == null ? out : picture.composite(out);
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

  /**
   * The request with a size of 0 replaced: by the init image's size (grown by outpainting) rounded
   * down to the autoencoder's multiple, the other side following the image's aspect when one is
   * given; without an init image by the model's own size (UNet sample_size x factor).
   */
  public GenerationRequest resolve(GenerationRequest r) {
    int f = model.info().vaeFactor();
    int own = model.unetConfig().sampleSize() * f;
    int w = r.settings().width();
    int h = r.settings().height();
    if (w != 0 && h != 0) {
      return r;
    }
    if (r.input() == null) {
      return r.withSize(w == 0 ? own : w, h == 0 ? own : h);
    }
    int[] canvas = r.input().canvasSize();
    if (w == 0 && h == 0) {
      w = canvas[0];
      h = canvas[1];
    } else if (w == 0) {
      w = (int) ((long) h * canvas[0] / canvas[1]);
    } else {
      h = (int) ((long) w * canvas[1] / canvas[0]);
    }
    w = Math.max(f, w - w % f);
    h = Math.max(f, h - h % f);
    if (w > Settings.MAX_SIDE || h > Settings.MAX_SIDE) {
      throw new EngineException(
          "The init image makes a "
              + w
              + "x"
              + h
              + " image, larger than "
              + Settings.MAX_SIDE
              + " pixels a side; give a width and height of at most "
              + Settings.MAX_SIDE
              + ".");
    }
    return r.withSize(w, h);
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
   * One guided network evaluation in its own sub-manager: [1, C, h, w] in (with {@code extra}, an
   * inpainting UNet's [1, C + 1, h, w], appended), eps or v out. {@code contexts} is one batch ([1,
   * L, D], or [uncond, cond] as [2, L, D]) or, when the two lengths differ, uncond [1, L', D] and
   * cond [1, L, D], evaluated one after the other.
   */
  private float[] evaluate(
      float[] input,
      double timestep,
      Conditioning cond,
      boolean guided,
      double guidance,
      int c,
      int h,
      int w,
      float[] extra,
      CancellationToken cancel) {
    cancel.check();
    NDArray[] contexts = cond.contexts();
    try (NDManager step = contexts[0].getManager().newSubManager()) {
      NDArray x = step.create(input, new Shape(1, c, h, w)); // [1, C, h, w]
      if (extra != null) {
        // An inpainting UNet: latents, mask, masked-image latents (diffusers'
        // StableDiffusionInpaintPipeline: torch.cat([latent_model_input, mask, masked], dim=1)).
        NDArray e = step.create(extra, new Shape(1, c + 1, h, w)); // [1, C + 1, h, w]
        x = x.concat(e, 1); // [1, 2C + 1, h, w]
      }
      float[] o;
      if (contexts.length == 2) {
        NDArray t = step.full(new Shape(1), (float) timestep); // [1]
        NDArray outUncond = cond.unet(model.unet(), x, t, 0); // [1, C, h, w]
        NDArray outCond = cond.unet(model.unet(), x, t, 1); // [1, C, h, w]
        o = outUncond.concat(outCond, 0).toFloatArray(); // [2, C, h, w]
      } else {
        if (guided) {
          x = x.concat(x, 0); // [2, C', h, w]: uncond and cond share the input
        }
        long b = x.getShape().get(0);
        NDArray t = step.full(new Shape(b), (float) timestep); // [B]
        NDArray out = cond.unet(model.unet(), x, t, 0); // [B, C, h, w]
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
}
