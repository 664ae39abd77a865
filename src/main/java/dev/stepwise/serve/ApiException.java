package dev.stepwise.serve;

/**
 * A request the server refuses or could not carry out: the HTTP status and the one sentence that
 * goes back as {@code {"error": <reason phrase>, "detail": <sentence>}}.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public ApiException(int status, String sentence) {
    super(sentence);
    this.status = status;
  }

  /** The HTTP status code, such as 400 or 429. */
  public int status() {
    return status;
  }

  /** A 400 Bad Request with {@code sentence}. */
  static ApiException bad(String sentence) {
    return new ApiException(400, sentence);
  }

  /** The reason phrase of the statuses the server sends. */
  static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Payload Too Large";
      case 415 -> "Unsupported Media Type";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }
}
