package dev.stepwise.engine.bench;

import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.PreviewMethod;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.StepFrames;
import dev.stepwise.engine.service.JobHandle;
import dev.stepwise.engine.service.SamplingService;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The time from Generate to the first decoded preview frame, as the studio sees it: from {@link
 * SamplingService#submit} to the first {@link StepEvent} whose watched frame was made by the
 * preview decoder or the autoencoder ({@link PreviewMethod#TINY} or {@link PreviewMethod#FULL}), on
 * the listener's thread. It covers queueing, the model load when the service has none, the text
 * encoder, the first guided step and that frame's decode.
 */
public final class FirstFrameBenchmark {
  private FirstFrameBenchmark() {}

  /** How long the benchmark waits for one job. */
  static final long JOB_TIMEOUT_MINUTES = 10;

  /**
   * One job's first frames.
   *
   * @param decodedMs milliseconds from submit to the first decoded frame (NaN when none came)
   * @param madeBy what made that frame: TINY or FULL (null when none came)
   * @param anyFrameMs milliseconds from submit to the first frame of any kind (NaN when previews
   *     were off)
   */
  public record Result(double decodedMs, PreviewMethod madeBy, double anyFrameMs) {}

  /**
   * Submits {@code request} to {@code service}, cancels the job once its first decoded frame has
   * arrived (the rest of the job does not change the figure), waits for it to end and reports.
   */
  public static Result time(SamplingService service, GenerationRequest request) {
    AtomicLong decoded = new AtomicLong(-1);
    AtomicLong any = new AtomicLong(-1);
    AtomicReference<PreviewMethod> by = new AtomicReference<>();
    AtomicReference<JobHandle> handle = new AtomicReference<>();
    GenerationListener listener =
        new GenerationListener() {
          @Override
          public void step(StepEvent e) {
            long now = System.nanoTime();
            StepFrames f = e.frames();
            if (f == null) {
              return;
            }
            any.compareAndSet(-1, now);
            if ((f.madeBy() == PreviewMethod.TINY || f.madeBy() == PreviewMethod.FULL)
                && decoded.compareAndSet(-1, now)) {
              by.set(f.madeBy());
              JobHandle j = handle.get();
              if (j != null) {
                j.cancel();
              }
            }
          }
        };
    long t0 = System.nanoTime();
    JobHandle job = service.submit(request, listener);
    handle.set(job);
    if (decoded.get() >= 0) {
      job.cancel(); // the frame came before submit returned
    }
    try {
      job.result().get(JOB_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    } catch (CancellationException e) {
      // cancelled by the listener after its first decoded frame
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof EngineException ee
          ? ee
          : new EngineException("The benchmark job failed (" + c + ").", c);
    } catch (TimeoutException e) {
      job.cancel();
      throw new EngineException(
          "The benchmark job did not finish within " + JOB_TIMEOUT_MINUTES + " minutes.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      job.cancel();
      throw new EngineException("The benchmark was interrupted.", e);
    }
    return new Result(ms(t0, decoded.get()), by.get(), ms(t0, any.get()));
  }

  private static double ms(long t0, long stamp) {
    return stamp < 0 ? Double.NaN : (stamp - t0) / 1e6;
  }
}
