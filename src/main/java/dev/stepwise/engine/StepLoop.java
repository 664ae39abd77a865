package dev.stepwise.engine;

import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.sampling.ModelFunction;
import dev.stepwise.engine.sampling.SamplingRun;
import dev.stepwise.engine.sampling.StepResult;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The denoising loop of one pass of one image, for {@link Pipeline}: a network evaluation per step,
 * the masked run's known region kept, the numbers checked, the step's frames made and its event
 * sent; the last step's event carries the finished image.
 */
final class StepLoop {
  private static final Logger LOG = LoggerFactory.getLogger(StepLoop.class);

  private StepLoop() {}

  /** The known region of a masked run on an ordinary model: latent mask, init latents, noise. */
  record Blend(float[] repaint, Latents x0, Latents noise) {}

  /** What every step event of the job shares: the listener, the start time and the step counts. */
  record Clock(
      GenerationListener listener,
      GenerationRequest request,
      long start,
      int imageSteps,
      CancellationToken cancel) {}

  /**
   * Runs {@code run} to its end, one event per step (numbered from {@code offset} within the
   * image); with {@code finish}, the last step's event carries the finished image, which is
   * returned (also when no step runs: strength 0). Masked runs keep the known region after every
   * step.
   */
  static RgbImage steps(
      SamplingRun run,
      ModelFunction network,
      StepPreviews previews,
      Blend blend,
      Clock clock,
      int image,
      long seed,
      int offset,
      java.util.function.Function<Latents, RgbImage> finish) {
    int first = run.nextIndex();
    RgbImage finished = null;
    while (run.hasNext()) {
      clock.cancel().check();
      long t0 = System.nanoTime();
      StepResult s = run.step(network);
      previews.stepTook(System.nanoTime() - t0);
      Latents state = s.xt(); // [1, C, h, w]
      if (blend != null) {
        run.keepKnown(blend.repaint(), blend.x0(), blend.noise());
        state = run.latents();
      }
      int index = offset + s.index() - first;
      checkFinite(state, index, clock.imageSteps(), image, seed);
      if (!run.hasNext() && finish != null) {
        clock.cancel().check();
        finished = finish.apply(run.latents());
      }
      Latents xt = run.toVariancePreserving(state, s.index() + 1); // [1, C, h, w], VP units
      PreviewSource watched = watched(clock.listener(), clock.request());
      StepFrames frames = previews.frames(s, xt, watched, finished);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - clock.start());
      int done = image * clock.imageSteps() + index + 1;
      int total = clock.request().batch() * clock.imageSteps();
      Duration left = elapsed.multipliedBy(total - done).dividedBy(done);
      StepEvent event =
          new StepEvent(
              image,
              index,
              clock.imageSteps(),
              s.timestep(),
              elapsed,
              left,
              xt,
              s.predictedX0(),
              s.predictedNoise(),
              frames);
      safe(() -> clock.listener().step(event));
    }
    if (finished == null && finish != null) {
      finished = finish.apply(run.latents()); // no step ran: strength 0
    }
    return finished;
  }

  /**
   * Fails the job when the sampler's state holds NaN or an infinity: from then on every pixel is
   * black, and a black image saved with its recipe would look like a result.
   */
  static void checkFinite(Latents x, int step, int steps, int image, long seed) {
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
  static PreviewSource watched(GenerationListener listener, GenerationRequest request) {
    try {
      PreviewSource p = listener.previewSource();
      return p != null ? p : request.previewSource();
    } catch (RuntimeException e) {
      LOG.warn(
          "a generation listener failed to say what it shows; the request's source is used", e);
      return request.previewSource();
    }
  }

  static void safe(Runnable r) {
    try {
      r.run();
    } catch (CancellationToken.CancelledException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.warn("a generation listener failed; the job goes on", e);
    }
  }
}
