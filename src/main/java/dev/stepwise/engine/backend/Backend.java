package dev.stepwise.engine.backend;

import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;

/**
 * Where the {@link dev.stepwise.engine.service.SamplingService} runs a job: the local engine (the
 * service's own model and {@link dev.stepwise.engine.Pipeline}, when it has no backend) or a server
 * such as {@link A1111Backend}. A backend tells the listener {@code started}, its steps (with
 * pictures when the server sends them) and each image, as the local engine does; the service
 * reports {@code finished}, {@code cancelled} and {@code failed}.
 */
public interface Backend extends AutoCloseable {
  /** The backend's name as the user gave it, such as its URL without credentials. */
  String name();

  /**
   * Runs {@code request} on the caller's thread; returns when the job has ended.
   *
   * @throws dev.stepwise.engine.EngineException with one sentence when the backend cannot run it or
   *     fails
   * @throws CancellationToken.CancelledException when {@code token} was cancelled (the images
   *     finished before have been given to the listener)
   */
  GenerationResult run(
      GenerationRequest request, GenerationListener listener, CancellationToken token);

  /**
   * The models the backend offers, by name, asked now; also its health check, so one cheap request.
   * Null when it runs whatever it is sent.
   *
   * @throws dev.stepwise.engine.EngineException when it cannot be reached
   */
  default java.util.List<String> models() {
    return null;
  }

  @Override
  default void close() {}
}
