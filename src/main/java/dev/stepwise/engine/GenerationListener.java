package dev.stepwise.engine;

/**
 * Receives a job's progress. Called on the sampling thread: implementations must return quickly
 * and hand work to their own thread (the studio posts to the FX thread). A listener that throws is
 * logged and otherwise ignored; it cannot break the job.
 */
public interface GenerationListener {
  /** The job left the queue and its model is loaded. */
  default void started(ModelInfo model) {}

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
