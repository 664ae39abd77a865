package dev.stepwise.engine.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.RgbImage;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.preview.LatentRgbProjection;
import dev.stepwise.engine.preview.TinyDecoder;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.AutoencoderTiny;
import dev.stepwise.engine.vae.TinyVaeConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What one live-preview frame costs with each {@link dev.stepwise.engine.PreviewMethod}, rendered
 * as the engine renders it (engine/StepPreviews): the decode (or projection), the clamp to [0, 1],
 * the conversion to RGB bytes and the smooth upscale to the output size. Two settings: a loaded
 * pack (its own autoencoder, its preview decoder if any) and the Stable Diffusion 1.5 shape with
 * random weights (a TAESD-shaped decoder, the SD 1.5 autoencoder).
 */
public final class PreviewBenchmark {
  private PreviewBenchmark() {}

  /** Each fast figure's sample lasts at least this long (sub-millisecond calls are averaged). */
  static final double MIN_SAMPLE_MS = 20;

  /**
   * A latent-to-RGB projection for SD 1.5's 4 channels (ComfyUI latent_formats.SD15
   * latent_rgb_factors). Only its cost matters here: it is the same 4x3 product for any factors.
   */
  static final float[][] SD15_RGB = {
    {0.3512f, 0.2297f, 0.3227f},
    {0.3250f, 0.4974f, 0.2350f},
    {-0.2829f, 0.1762f, 0.2721f},
    {-0.2120f, -0.2616f, -0.7177f},
  };

  /**
   * Per-frame costs on a loaded pack.
   *
   * @param tiny the preview decoder at the latents' size, or null without one
   * @param tinyHalf the preview decoder on latents pooled 2x2, upscaled smoothly, or null
   * @param full the pack's autoencoder
   * @param cheap the linear projection, upscaled smoothly
   */
  public record PackCosts(
      Timing.Figure tiny, Timing.Figure tinyHalf, Timing.Figure full, Timing.Figure cheap) {}

  /**
   * Times one frame of every method on {@code m} at {@code width x height} (latents of the model's
   * factor), with {@code tiny} as the preview decoder (null: none).
   */
  public static PackCosts pack(
      DiffusionModel m, TinyDecoder tiny, int width, int height, int samples) {
    int f = m.info().vaeFactor();
    int h = height / f;
    int w = width / f;
    Latents z = Latents.initialNoise(new SeedNoise(7), m.latentChannels(), h, w); // [1, C, h, w]
    Timing.Figure tinyFull = null;
    Timing.Figure tinyHalf = null;
    if (tiny != null) {
      BenchRuns.part("tiny frame");
      tinyFull =
          Timing.calibrated(() -> tinyFrame(tiny, z, 1, width, height), samples, MIN_SAMPLE_MS);
      BenchRuns.part("tiny half frame");
      tinyHalf =
          Timing.calibrated(() -> tinyFrame(tiny, z, 2, width, height), samples, MIN_SAMPLE_MS);
    }
    BenchRuns.part("full decode");
    Timing.Figure full =
        Timing.calibrated(
            () -> RgbImage.fromChw(m.decodeToPixels(z.data(), 1, h, w), width, height),
            samples,
            MIN_SAMPLE_MS);
    LatentRgbProjection projection = m.preview();
    BenchRuns.part("cheap frame");
    Timing.Figure cheap =
        Timing.calibrated(
            () -> projection.project(z, 0).scaledSmooth(width, height), samples, MIN_SAMPLE_MS);
    return new PackCosts(tinyFull, tinyHalf, full, cheap);
  }

  /**
   * A preview-decoder frame as StepPreviews makes it: pooled when {@code scale} is 2, then upscaled
   * smoothly.
   */
  static RgbImage tinyFrame(TinyDecoder tiny, Latents z, int scale, int width, int height) {
    Latents in = scale == 1 ? z : z.pooled2x2();
    float[] pixels = tiny.decodeToPixels(in.data(), in.height(), in.width()); // [3, h f, w f]
    int f = tiny.factor();
    return RgbImage.fromChw(pixels, in.width() * f, in.height() * f).scaledSmooth(width, height);
  }

  /**
   * Per-frame costs of a TAESD-shaped preview decoder with random weights on the SD 1.5 shape.
   *
   * @param full decoding {@code side x side} latents to {@code 8 side} pixels
   * @param half decoding them pooled to {@code side/2}, then upscaling smoothly to {@code 8 side}
   * @param parameters the decoder's parameter count
   */
  public record TinyCosts(Timing.Figure full, Timing.Figure half, long parameters) {}

  /**
   * Builds TAESD's decoder ({@link TinyVaeConfig#taesdDefaults}(4)) with random weights and times
   * it.
   */
  public static TinyCosts sd15Tiny(Device device, int side, int samples) {
    TinyVaeConfig config = TinyVaeConfig.taesdDefaults(4);
    try (NDManager weights = NDManager.newBaseManager(device)) {
      AutoencoderTiny net =
          new AutoencoderTiny(config, Parameters.random(RandomWeights.seeded(1), weights));
      Latents z = Latents.initialNoise(new SeedNoise(7), 4, side, side); // [1, 4, side, side]
      int out = side * config.factor();
      BenchRuns.part("tiny frame");
      Timing.Figure full =
          Timing.calibrated(() -> randomTinyFrame(net, weights, z, out), samples, MIN_SAMPLE_MS);
      // Pooling to [1, 4, side/2, side/2] is part of the frame, as in StepPreviews.
      BenchRuns.part("tiny half frame");
      Timing.Figure halved =
          Timing.calibrated(
              () -> randomTinyFrame(net, weights, z.pooled2x2(), out), samples, MIN_SAMPLE_MS);
      return new TinyCosts(full, halved, config.parameterCount());
    }
  }

  /** TinyDecoder.decodeToPixels on a bare network (scaling_factor 1.0), then RGB and upscale. */
  private static RgbImage randomTinyFrame(
      AutoencoderTiny net, NDManager weights, Latents z, int out) {
    int f = net.config().factor();
    float[] pixels; // [3, h f, w f]
    try (NDManager job = weights.newSubManager()) {
      NDArray x =
          job.create(z.data(), new Shape(1, z.channels(), z.height(), z.width())); // [1, 4, h, w]
      x = x.div(net.config().scalingFactor()); // [1, 4, h, w]
      NDArray y = net.decode(x); // [1, 3, h f, w f] in about [-1, 1]
      y = y.div(2).add(0.5f).clip(0f, 1f); // [1, 3, h f, w f] in [0, 1]
      pixels = y.toType(DataType.FLOAT32, false).toFloatArray();
    }
    return RgbImage.fromChw(pixels, z.width() * f, z.height() * f).scaledSmooth(out, out);
  }

  /**
   * The cheap projection of {@code side x side} SD-shaped latents, upscaled smoothly to {@code 8
   * side}.
   */
  public static Timing.Figure sd15Cheap(int side, int samples) {
    LatentRgbProjection p = LatentRgbProjection.fromPack(SD15_RGB, null);
    Latents z = Latents.initialNoise(new SeedNoise(7), 4, side, side); // [1, 4, side, side]
    return Timing.calibrated(
        () -> p.project(z, 0).scaledSmooth(8 * side, 8 * side), samples, MIN_SAMPLE_MS);
  }

  /** The SD 1.5 autoencoder config.json (diffusers' runwayml/stable-diffusion-v1-5 vae values). */
  public static VaeConfig sd15VaeConfig() {
    try (InputStream in = PreviewBenchmark.class.getResourceAsStream("sd15-vae-config.json")) {
      JsonObject o =
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
              .getAsJsonObject();
      return VaeConfig.fromJson(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The full autoencoder decode of one frame (decode, clamp, RGB bytes), with memory.
   *
   * @param decoderParameters parameters of the decoder half (post_quant_conv and decoder.*)
   * @param rssBefore resident memory before the weights were built, bytes (-1 off Linux), after
   *     handing the C heap's free memory back
   * @param rssPeak the peak resident memory while building and decoding
   */
  public record VaeCosts(
      Timing.Figure decode, long decoderParameters, long rssBefore, long rssPeak) {}

  /**
   * Builds the autoencoder of {@code config} with random weights and times {@code samples} decodes
   * of {@code side x side} latents after {@code warmups} untimed ones.
   */
  public static VaeCosts vae(VaeConfig config, Device device, int side, int warmups, int samples) {
    Memory.trim(); // earlier work's freed blocks would hide this one's growth
    long before = Memory.rssBytes();
    RandomWeights random = RandomWeights.seeded(1);
    int c = config.latentChannels();
    int out = side * config.downscale();
    float[] z = Latents.initialNoise(new SeedNoise(7), c, side, side).data(); // [1, c, h, w]
    try (Memory.PeakSampler peak = Memory.PeakSampler.start();
        NDManager weights = NDManager.newBaseManager(device)) {
      AutoencoderKL vae = new AutoencoderKL(config, Parameters.random(random, weights));
      Runnable call =
          () -> {
            try (NDManager job = weights.newSubManager()) {
              NDArray x = job.create(z, new Shape(1, c, side, side)); // [1, c, h, w]
              NDArray y = vae.decode(x.div(config.scalingFactor())); // [1, 3, H, W] about [-1, 1]
              y = y.div(2).add(0.5f).clip(0f, 1f); // [1, 3, H, W] in [0, 1]
              RgbImage.fromChw(y.toType(DataType.FLOAT32, false).toFloatArray(), out, out);
            }
          };
      Timing.Figure decode = Timing.fixed(call, warmups, samples);
      long decoderParams = 0;
      for (Map.Entry<String, long[]> e : random.requested().entrySet()) {
        if (e.getKey().startsWith("decoder.") || e.getKey().startsWith("post_quant_conv.")) {
          decoderParams += new Shape(e.getValue()).size();
        }
      }
      return new VaeCosts(decode, decoderParams, before, peak.peak());
    }
  }
}
