package dev.stepwise.engine.service;

import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.GenerationResult;
import java.util.concurrent.CompletableFuture;

/**
 * A submitted request: its place in the queue, its state, its result, and a way to cancel it.
 * Thread-safe.
 */
public final class JobHandle {
  private final long id;
  private final GenerationRequest request;
  private final GenerationListener listener;
  private final CancellationToken cancel = new CancellationToken();
  private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
  private final SamplingService service;
  private volatile JobState state = JobState.QUEUED;
  private volatile String backend;
  private final java.util.Set<String> tried = java.util.concurrent.ConcurrentHashMap.newKeySet();

  JobHandle(
      long id, GenerationRequest request, GenerationListener listener, SamplingService service) {
    this.id = id;
    this.request = request;
    this.listener = listener;
    this.service = service;
  }

  /** A number unique within the service, increasing in submission order. */
  public long id() {
    return id;
  }

  public GenerationRequest request() {
    return request;
  }

  public JobState state() {
    return state;
  }

  /**
   * Completes with the result, or exceptionally with the {@link
   * dev.stepwise.engine.EngineException} that failed the job, or is cancelled.
   */
  public CompletableFuture<GenerationResult> result() {
    return result;
  }

  /**
   * Cancels the job: a queued job leaves the queue at once; a running one stops within one network
   * evaluation and the service moves on to the next job. Returns false if it had already ended.
   */
  public boolean cancel() {
    return service.cancel(this);
  }

  /**
   * The backend the job runs or last ran on, by name; null on the local engine or before it runs.
   */
  public String backend() {
    return backend;
  }

  void backend(String name) {
    backend = name;
  }

  /** The backends that failed this job; it is not sent to them again. */
  java.util.Set<String> tried() {
    return tried;
  }

  GenerationListener listener() {
    return listener;
  }

  CancellationToken token() {
    return cancel;
  }

  CompletableFuture<GenerationResult> future() {
    return result;
  }

  void state(JobState s) {
    state = s;
  }

  @Override
  public String toString() {
    return "job " + id + " (" + state + (backend == null ? "" : " on " + backend) + ")";
  }
}
