package dev.stepwise.app.timeline;

/** A failed export; the message is one plain sentence for the user. */
public final class ExportException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a user-facing sentence and its cause (may be null). */
  public ExportException(String sentence, Throwable cause) {
    super(sentence, cause);
  }
}
