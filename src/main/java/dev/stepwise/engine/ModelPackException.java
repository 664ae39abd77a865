package dev.stepwise.engine;

/**
 * A model pack (folder, config or weights file) that cannot be used, with the offending item named.
 */
public class ModelPackException extends EngineException {
  private static final long serialVersionUID = 1L;

  public ModelPackException(String message) {
    super(message);
  }

  public ModelPackException(String message, Throwable cause) {
    super(message, cause);
  }
}
