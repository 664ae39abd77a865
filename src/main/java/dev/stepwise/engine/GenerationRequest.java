package dev.stepwise.engine;

import dev.stepwise.engine.sampling.PredictionType;
import dev.stepwise.engine.sampling.TimestepSpacing;
import dev.stepwise.recipe.HiresSettings;
import dev.stepwise.recipe.RecipeException;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.Settings;
import dev.stepwise.recipe.SizeConditioning;
import java.nio.file.Path;

/**
 * One job for the engine: the {@link Settings} that fix each image, which model makes them, how
 * many, and how the live preview is made. With the same model, request and thread count the pixels
 * are identical. Image {@code i} of a batch uses seed {@code settings.seedOf(i)}.
 *
 * @param model the model pack folder, or {@code null} for the built-in model
 * @param settings prompt, sampler, steps, guidance, seed and size, checked by {@link Settings}
 * @param batch number of images, 1 to {@link #MAX_BATCH}
 * @param previewSource which tensor the live preview shows
 * @param previewMethod how the preview is made (see {@link PreviewMethod}); AUTO by default
 * @param previewDecoder a preview decoder to use instead of the pack's own (a diffusers
 *     AutoencoderTiny folder or a TAESD {@code taesd_decoder.safetensors}), or {@code null}
 * @param prediction what the network predicts, overriding the model's scheduler config (a
 *     single-file SD 2.x checkpoint does not say whether it is a v-prediction model), or {@code
 *     null} for the model's own
 * @param vae a separate autoencoder to decode with instead of the model's own (a single-file {@code
 *     .safetensors} with LDM names or a diffusers AutoencoderKL folder), or {@code null}
 * @param embeddings a folder of textual-inversion embeddings whose names the prompts may use, or
 *     {@code null} for none
 * @param loraFolder where the prompt's {@code <lora:name>} files are looked up, or {@code null} for
 *     the LoRA folder of the default models root ({@link
 *     dev.stepwise.engine.lora.LoraLookup#defaultFolder()})
 * @param input the picture the run starts from (img2img, inpainting, outpainting), or {@code null}
 *     for text to image
 * @param hires the hires fix (text to image only), or {@code null} for none
 * @param sizes SDXL's size micro-conditioning (original size, crop, target size); {@code null}
 *     reads as {@link SizeConditioning#DEFAULT}, diffusers' defaults
 * @param spacing how the sampler's timesteps are spaced, overriding the model's scheduler config (a
 *     single-file SDXL-Turbo or Lightning checkpoint cannot say it needs trailing), or {@code null}
 *     for the model's own
 */
public record GenerationRequest(
    Path model,
    Settings settings,
    int batch,
    PreviewSource previewSource,
    PreviewMethod previewMethod,
    Path previewDecoder,
    PredictionType prediction,
    Path vae,
    Path embeddings,
    Path loraFolder,
    ImageInput input,
    HiresSettings hires,
    SizeConditioning sizes,
    TimestepSpacing spacing) {

  /** The most images one request makes. */
  public static final int MAX_BATCH = 64;

  public GenerationRequest {
    settings = settings == null ? Settings.defaults() : settings;
    previewSource = previewSource == null ? PreviewSource.PREDICTED_IMAGE : previewSource;
    previewMethod = previewMethod == null ? PreviewMethod.AUTO : previewMethod;
    sizes = sizes == null ? SizeConditioning.DEFAULT : sizes;
    if (batch < 1 || batch > MAX_BATCH) {
      throw new EngineException(
          "Batch must be between 1 and " + MAX_BATCH + " images, got " + batch + ".");
    }
  }

  /** This request with the size set (the pipeline resolves a size of 0 to the model's own). */
  public GenerationRequest withSize(int w, int h) {
    return new GenerationRequest(
        model,
        settings.withSize(w, h),
        batch,
        previewSource,
        previewMethod,
        previewDecoder,
        prediction,
        vae,
        embeddings,
        loraFolder,
        input,
        hires,
        sizes,
        spacing);
  }

  /** A builder with Stepwise's defaults ({@link Settings#defaults()}), one image. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.model = model;
    b.prompt = settings.prompt();
    b.negativePrompt = settings.negativePrompt();
    b.steps = settings.steps();
    b.guidance = settings.guidance();
    b.seed = settings.seed();
    b.sampler = settings.sampler();
    b.karras = settings.karras();
    b.eta = settings.eta();
    b.width = settings.width();
    b.height = settings.height();
    b.clipSkip = settings.clipSkip();
    b.variationSeed = settings.variationSeed();
    b.variationStrength = settings.variationStrength();
    b.batch = batch;
    b.previewSource = previewSource;
    b.previewMethod = previewMethod;
    b.previewDecoder = previewDecoder;
    b.prediction = prediction;
    b.vae = vae;
    b.embeddings = embeddings;
    b.loraFolder = loraFolder;
    b.input = input;
    b.hires = hires;
    b.sizes = sizes;
    b.spacing = spacing;
    return b;
  }

  /**
   * Builds a {@link GenerationRequest}; {@link #build()} checks the values once, through {@link
   * Settings}, and reports a bad one as an {@link EngineException} with the same sentence.
   */
  public static final class Builder {
    private Path model;
    private String prompt = "";
    private String negativePrompt = "";
    private int steps = Settings.DEFAULT_STEPS;
    private double guidance = Settings.DEFAULT_GUIDANCE;
    private long seed;
    private Sampler sampler = Sampler.DDIM;
    private boolean karras;
    private double eta;
    private int width;
    private int height;
    private int clipSkip = Settings.MIN_CLIP_SKIP;
    private long variationSeed;
    private double variationStrength;
    private int batch = 1;
    private PreviewSource previewSource = PreviewSource.PREDICTED_IMAGE;
    private PreviewMethod previewMethod = PreviewMethod.AUTO;
    private Path previewDecoder;
    private PredictionType prediction;
    private Path vae;
    private Path embeddings;
    private Path loraFolder;
    private ImageInput input;
    private HiresSettings hires;
    private SizeConditioning sizes;
    private TimestepSpacing spacing;

    public Builder model(Path v) {
      model = v;
      return this;
    }

    public Builder prompt(String v) {
      prompt = v;
      return this;
    }

    public Builder negativePrompt(String v) {
      negativePrompt = v;
      return this;
    }

    public Builder steps(int v) {
      steps = v;
      return this;
    }

    public Builder guidance(double v) {
      guidance = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder sampler(Sampler v) {
      sampler = v;
      return this;
    }

    public Builder karras(boolean v) {
      karras = v;
      return this;
    }

    public Builder eta(double v) {
      eta = v;
      return this;
    }

    public Builder size(int w, int h) {
      width = w;
      height = h;
      return this;
    }

    /** AUTOMATIC1111's "Clip skip" (1 = the text encoder's last layer). */
    public Builder clipSkip(int v) {
      clipSkip = v;
      return this;
    }

    /** AUTOMATIC1111's variation seed and strength (0, the default, for none). */
    public Builder variation(long seed, double strength) {
      variationSeed = seed;
      variationStrength = strength;
      return this;
    }

    public Builder batch(int v) {
      batch = v;
      return this;
    }

    public Builder previewSource(PreviewSource v) {
      previewSource = v;
      return this;
    }

    public Builder previewMethod(PreviewMethod v) {
      previewMethod = v;
      return this;
    }

    public Builder previewDecoder(Path v) {
      previewDecoder = v;
      return this;
    }

    /** What the network predicts; null (the default) keeps the model's own. */
    public Builder prediction(PredictionType v) {
      prediction = v;
      return this;
    }

    /** A separate autoencoder (file or folder); null (the default) keeps the model's own. */
    public Builder vae(Path v) {
      vae = v;
      return this;
    }

    /** A folder of textual-inversion embeddings; null (the default) for none. */
    public Builder embeddings(Path v) {
      embeddings = v;
      return this;
    }

    /** Where {@code <lora:name>} files are looked up; null (the default) for the models root's. */
    public Builder loraFolder(Path v) {
      loraFolder = v;
      return this;
    }

    /** The picture to start from (img2img, inpainting, outpainting); null for text to image. */
    public Builder input(ImageInput v) {
      input = v;
      return this;
    }

    /** The hires fix; null (the default) for none. */
    public Builder hires(HiresSettings v) {
      hires = v;
      return this;
    }

    /** SDXL's original size, crop and target size; null (the default) for diffusers' defaults. */
    public Builder sizes(SizeConditioning v) {
      sizes = v;
      return this;
    }

    /** The timestep spacing; null (the default) keeps the model's scheduler config's. */
    public Builder spacing(TimestepSpacing v) {
      spacing = v;
      return this;
    }

    /** Takes every value of {@code s}. */
    public Builder settings(Settings s) {
      prompt = s.prompt();
      negativePrompt = s.negativePrompt();
      steps = s.steps();
      guidance = s.guidance();
      seed = s.seed();
      sampler = s.sampler();
      karras = s.karras();
      eta = s.eta();
      width = s.width();
      height = s.height();
      clipSkip = s.clipSkip();
      variationSeed = s.variationSeed();
      variationStrength = s.variationStrength();
      return this;
    }

    public GenerationRequest build() {
      Settings s;
      try {
        s =
            new Settings(
                prompt,
                negativePrompt,
                sampler,
                karras,
                eta,
                steps,
                guidance,
                seed,
                width,
                height,
                clipSkip,
                variationSeed,
                variationStrength);
      } catch (RecipeException e) {
        throw new EngineException(e.getMessage(), e);
      }
      return new GenerationRequest(
          model,
          s,
          batch,
          previewSource,
          previewMethod,
          previewDecoder,
          prediction,
          vae,
          embeddings,
          loraFolder,
          input,
          hires,
          sizes,
          spacing);
    }
  }
}
