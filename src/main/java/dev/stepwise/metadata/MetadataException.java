package dev.stepwise.metadata;

/**
 * A metadata or PNG failure the user can act on.
 *
 * <p>The message is one plain sentence that names the bad value and what is allowed, shown as is;
 * the cause, if any, is for the log. This package stays free of the engine, so this mirrors the
 * engine's user-facing exception rather than extending it.
 */
public class MetadataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with its one-sentence message. */
  public MetadataException(String message) {
    super(message);
  }

  /** Creates the exception with its one-sentence message and the underlying cause for the log. */
  public MetadataException(String message, Throwable cause) {
    super(message, cause);
  }
}
