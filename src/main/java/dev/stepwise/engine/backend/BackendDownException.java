package dev.stepwise.engine.backend;

import dev.stepwise.engine.EngineException;

/**
 * The backend itself failed, not the job: the connection was refused or lost, the server answered
 * 5xx or 429, or it stopped answering. A {@link BackendPool} runs such a job again elsewhere.
 */
public final class BackendDownException extends EngineException {
  private static final long serialVersionUID = 1L;

  public BackendDownException(String message, Throwable cause) {
    super(message, cause);
  }
}
