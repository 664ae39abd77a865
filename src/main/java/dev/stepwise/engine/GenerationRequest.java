package dev.stepwise.engine;

import dev.stepwise.engine.sampling.SamplerKind;
import java.nio.file.Path;

/**
 * Everything that fixes one generation: with the same model, request and thread count the pixels
 * are identical. Image {@code i} of a batch uses seed {@code seed + i}.
 *
 * <p><b>Guidance convention.</b> {@code guidanceScale} is diffusers' {@code guidance_scale} and
 * AUTOMATIC1111's "CFG scale" s: eps = eps_uncond + s (eps_cond - eps_uncond). Ho &amp; Salimans
 * (2022) write the same thing with a weight w = s - 1. At s &lt;= 1 the unconditional pass is skipped.
 *
 * @param model the model pack folder, or {@code null} for the built-in model
 * @param prompt the prompt; empty means unconditional
 * @param negativePrompt replaces the empty prompt as the unconditional input; empty for none
 * @param steps sampler steps, 1 to the schedule's length
 * @param guidanceScale classifier-free guidance scale s, finite and &gt;= 0
 * @param seed the 64-bit seed of image 0
 * @param sampler the sampling algorithm
 * @param karras whether to use Karras et al. (2022) sigmas
 * @param eta DDIM's eta (0 = deterministic); ignored by other samplers
 * @param width image width in pixels, a multiple of the autoencoder's factor (8 for SD), or 0
 *     for the model's own size (UNet sample_size times that factor)
 * @param height image height in pixels, likewise
 * @param batch number of images, 1 to {@link #MAX_BATCH}
 * @param previewSource which tensor the live preview shows
 * @param previewMethod how the preview is made (see {@link PreviewMethod}); AUTO by default
 * @param previewDecoder a preview decoder to use instead of the pack's own (a diffusers
 *     AutoencoderTiny folder or a TAESD {@code taesd_decoder.safetensors}), or {@code null}
 */
public record GenerationRequest(
    Path model,
    String prompt,
    String negativePrompt,
    int steps,
    double guidanceScale,
    long seed,
    SamplerKind sampler,
    boolean karras,
    double eta,
    int width,
    int height,
    int batch,
    PreviewSource previewSource,
    PreviewMethod previewMethod,
    Path previewDecoder) {

  /** The most images one request makes. */
  public static final int MAX_BATCH = 64;

  /** The largest side, in pixels, a request may ask for (memory is checked separately). */
  public static final int MAX_SIDE = 4096;

  public GenerationRequest {
    prompt = prompt == null ? "" : prompt;
    negativePrompt = negativePrompt == null ? "" : negativePrompt;
    sampler = sampler == null ? SamplerKind.DDIM : sampler;
    previewSource = previewSource == null ? PreviewSource.PREDICTED_IMAGE : previewSource;
    previewMethod = previewMethod == null ? PreviewMethod.AUTO : previewMethod;
    if (steps < 1) {
      throw new EngineException("steps must be at least 1, got " + steps + ".");
    }
    if (Double.isNaN(guidanceScale) || Double.isInfinite(guidanceScale) || guidanceScale < 0) {
      throw new EngineException(
          "guidance scale must be a finite number of at least 0, got " + guidanceScale + ".");
    }
    if (Double.isNaN(eta) || eta < 0 || eta > 1) {
      throw new EngineException("eta must be between 0 and 1, got " + eta + ".");
    }
    if (!validSide(width) || !validSide(height)) {
      throw new EngineException(
          "image size must be between 8 and " + MAX_SIDE + " pixels a side (or 0 for the model's"
              + " own size), got " + width + "x" + height + ".");
    }
    if (batch < 1 || batch > MAX_BATCH) {
      throw new EngineException(
          "batch must be between 1 and " + MAX_BATCH + " images, got " + batch + ".");
    }
  }

  private static boolean validSide(int side) {
    return side == 0 || (side >= 8 && side <= MAX_SIDE);
  }

  /** This request with the size set (the pipeline resolves a size of 0 to the model's own). */
  public GenerationRequest withSize(int w, int h) {
    return toBuilder().size(w, h).build();
  }

  /** A builder with Stepwise's defaults: 20 DDIM steps, scale 5, seed 0, the model's size, one image. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.model = model;
    b.prompt = prompt;
    b.negativePrompt = negativePrompt;
    b.steps = steps;
    b.guidanceScale = guidanceScale;
    b.seed = seed;
    b.sampler = sampler;
    b.karras = karras;
    b.eta = eta;
    b.width = width;
    b.height = height;
    b.batch = batch;
    b.previewSource = previewSource;
    b.previewMethod = previewMethod;
    b.previewDecoder = previewDecoder;
    return b;
  }

  /** The seed of image {@code i} of the batch. */
  public long seedOf(int i) {
    return seed + i;
  }

  /** Builds a {@link GenerationRequest}; {@link #build()} validates. */
  public static final class Builder {
    private Path model;
    private String prompt = "";
    private String negativePrompt = "";
    private int steps = 20;
    private double guidanceScale = 5.0;
    private long seed;
    private SamplerKind sampler = SamplerKind.DDIM;
    private boolean karras;
    private double eta;
    private int width;
    private int height;
    private int batch = 1;
    private PreviewSource previewSource = PreviewSource.PREDICTED_IMAGE;
    private PreviewMethod previewMethod = PreviewMethod.AUTO;
    private Path previewDecoder;

    public Builder model(Path v) { model = v; return this; }
    public Builder prompt(String v) { prompt = v; return this; }
    public Builder negativePrompt(String v) { negativePrompt = v; return this; }
    public Builder steps(int v) { steps = v; return this; }
    public Builder guidanceScale(double v) { guidanceScale = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder sampler(SamplerKind v) { sampler = v; return this; }
    public Builder karras(boolean v) { karras = v; return this; }
    public Builder eta(double v) { eta = v; return this; }
    public Builder size(int w, int h) { width = w; height = h; return this; }
    public Builder batch(int v) { batch = v; return this; }
    public Builder previewSource(PreviewSource v) { previewSource = v; return this; }
    public Builder previewMethod(PreviewMethod v) { previewMethod = v; return this; }
    public Builder previewDecoder(Path v) { previewDecoder = v; return this; }

    public GenerationRequest build() {
      return new GenerationRequest(
          model, prompt, negativePrompt, steps, guidanceScale, seed, sampler, karras, eta, width,
          height, batch, previewSource, previewMethod, previewDecoder);
    }
  }
}
