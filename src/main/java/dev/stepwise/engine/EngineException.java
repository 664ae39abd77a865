package dev.stepwise.engine;

/**
 * A failure the user can act on. The message is one plain sentence that names the bad value and
 * what is allowed; it is shown as is (CLI: one line on stderr; studio: a notification). The cause,
 * if any, goes to the log once, never to the user.
 */
public class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EngineException(String message) {
    super(message);
  }

  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
