package dev.stepwise.engine;

import dev.stepwise.engine.preview.PreviewPlanner;
import dev.stepwise.engine.preview.PreviewPlanner.Render;
import dev.stepwise.engine.preview.TinyDecoder;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.StepResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns each step of one job into its {@link StepFrames}: picks the preview decoder, follows the
 * {@link PreviewPlanner}'s policy, times every frame, and upscales smoothly whatever is smaller
 * than the output (the cheap projection, a half-size or 4x preview decoder), so no frame shows
 * latent-pixel blocks. Used by {@link Pipeline} on the sampling thread.
 */
final class StepPreviews {
  private final DiffusionModel model;
  private final PreviewPlanner plan;
  private final TinyDecoder tiny;
  private final int width;
  private final int height;
  private final int latentHeight;
  private final int latentWidth;
  private long stepCount;

  /**
   * Chooses the preview decoder for {@code r}; every sentence about it (a decoder that does not
   * fit, none for TINY) goes to {@code notices} and to {@code listener} at once.
   */
  StepPreviews(
      DiffusionModel model,
      GenerationRequest r,
      List<String> notices,
      GenerationListener listener) {
    this.model = model;
    this.width = r.settings().width();
    this.height = r.settings().height();
    this.latentHeight = r.settings().height() / model.info().vaeFactor();
    this.latentWidth = r.settings().width() / model.info().vaeFactor();
    PreviewMethod asked = r.previewMethod();
    List<String> said = new ArrayList<>();
    TinyDecoder d = null;
    if (asked == PreviewMethod.AUTO || asked == PreviewMethod.TINY) {
      d = model.previewDecoder(r.previewDecoder(), said);
    }
    if (asked == PreviewMethod.TINY && d == null && said.isEmpty()) {
      said.add(
          model.info().name()
              + " has no preview decoder, so previews use Auto (full decodes and"
              + " the cheap projection) instead.");
    }
    this.tiny = d;
    int halfFrame = d == null ? 0 : (Math.min(latentHeight, latentWidth) + 1) / 2 * d.factor();
    this.plan = new PreviewPlanner(asked, d != null, halfFrame);
    for (String s : said) {
      notices.add(s);
      try {
        listener.notice(s);
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(StepPreviews.class)
            .warn("a generation listener failed", e);
      }
    }
  }

  /** The method in use after the fallbacks (TINY, FULL, CHEAP, OFF, or AUTO). */
  PreviewMethod method() {
    return plan.method();
  }

  /** Records the network time of one step. */
  void stepTook(long nanos) {
    plan.stepTook(nanos);
  }

  /**
   * The frames of step {@code s}; {@code noisyVp} is its x_t in variance-preserving units and
   * {@code finished} the decoded image when this was the image's last step (else null). Null when
   * previews are off.
   */
  StepFrames frames(StepResult s, Latents noisyVp, PreviewSource watched, RgbImage finished) {
    long index = stepCount++;
    if (plan.method() == PreviewMethod.OFF) {
      return null;
    }
    Latents x0 = s.predictedX0(); // [1, C, h, w]
    Latents eps = s.predictedNoise(); // [1, C, h, w]
    if (finished != null && watched != PreviewSource.PREDICTED_NOISE) {
      return new StepFrames(
          watched,
          finished,
          PreviewMethod.FULL,
          true,
          plan.costPercent(),
          x0,
          noisyVp,
          eps,
          model.preview(),
          width,
          height);
    }
    Latents which =
        switch (watched) {
          case PREDICTED_IMAGE -> x0;
          case NOISY_LATENT -> noisyVp;
          case PREDICTED_NOISE -> eps;
        };
    Render how = plan.renderFor(index);
    long t0 = System.nanoTime();
    RgbImage frame =
        switch (how) {
          case TINY -> tinyFrame(which);
          case FULL ->
              RgbImage.fromChw(
                  model.decodeToPixels(which.data(), 1, latentHeight, latentWidth), width, height);
          case CHEAP, NONE -> model.preview().project(which, 0).scaledSmooth(width, height);
        };
    plan.previewTook(index, how, System.nanoTime() - t0);
    PreviewMethod madeBy =
        switch (how) {
          case TINY -> PreviewMethod.TINY;
          case FULL -> PreviewMethod.FULL;
          case CHEAP, NONE -> PreviewMethod.CHEAP;
        };
    return new StepFrames(
        watched,
        frame,
        madeBy,
        false,
        plan.costPercent(),
        x0,
        noisyVp,
        eps,
        model.preview(),
        width,
        height);
  }

  /**
   * The preview decoder's frame: latents pooled to half size when the plan says so, then upscaled
   * smoothly.
   */
  private RgbImage tinyFrame(Latents z) {
    Latents in = plan.tinyScale() == 1 ? z : z.pooled2x2();
    float[] pixels = tiny.decodeToPixels(in.data(), in.height(), in.width()); // [3, h f, w f]
    int f = tiny.factor();
    return RgbImage.fromChw(pixels, in.width() * f, in.height() * f).scaledSmooth(width, height);
  }
}
