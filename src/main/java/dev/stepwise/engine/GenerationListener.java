package dev.stepwise.engine;

/**
 * Receives a job's progress. Called on the sampling thread: implementations must return quickly and
 * hand work to their own thread (the studio posts to the FX thread). A listener that throws is
 * logged and otherwise ignored; it cannot break the job.
 */
public interface GenerationListener {
  /** The job left the queue and its model is loaded. */
  default void started(ModelInfo model) {}

  /**
   * The tensor the front end shows now, asked once per step before its frames are made: that one is
   * rendered with the run's preview method. {@code null} keeps the request's previewSource.
   */
  default PreviewSource previewSource() {
    return null;
  }

  /**
   * A sentence the user should see now, e.g. that a preview decoder did not fit the model and
   * previews fall back to another method (it is also in the result's notices).
   */
  default void notice(String sentence) {}

  /** One sampler step finished. */
  default void step(StepEvent event) {}

  /** One image of the batch finished. */
  default void image(GeneratedImage image) {}

  /** The whole job finished. */
  default void finished(GenerationResult result) {}

  /** The job was cancelled (queued or running); nothing more follows. */
  default void cancelled() {}

  /** The job failed with a user-facing message; nothing more follows. */
  default void failed(EngineException error) {}
}
