package dev.stepwise.metadata;

import java.util.Map;

/**
 * The AUTOMATIC1111 {@code parameters} text a server's PNG carries (A1111 writes it with its
 * default options, {@code stepwise serve} always does), read as untrusted: through {@link
 * PngText}'s bounds (CRCs, lengths inside the file, 1 MiB a chunk), at most {@link #MAX_CHARS}
 * characters, and only when {@link InfoText#parse} reads it as A1111 parameters with a parameters
 * line. A remote image's recipe keeps the text as it came under {@link #SERVER_PARAMETERS}, with
 * the backend under {@link #BACKEND}; the gallery's {@code Recipe} leaves the text out of the
 * {@code parameters} chunk it writes and keeps it in the Stepwise JSON chunk (docs/gallery.md).
 */
public final class ServerParameters {
  private ServerParameters() {}

  /** The recipe key naming the backend an image was made on (its URL without credentials). */
  public static final String BACKEND = "Backend";

  /** The recipe key holding the server's own {@code parameters} text, verbatim. */
  public static final String SERVER_PARAMETERS = "Server parameters";

  /** The longest server text kept (64 KiB of characters; A1111's own texts are a few hundred). */
  public static final int MAX_CHARS = 64 << 10;

  /**
   * What a server's PNG said.
   *
   * @param text the {@code parameters} text verbatim, or null when there is none or it was dropped
   * @param parsed the text read as A1111 parameters, or null with {@code text}
   * @param dropped the sentence why a text present was dropped, or null
   */
  public record Read(String text, GenerationParameters parsed, String dropped) {}

  /** Reads the {@code parameters} text of {@code png}; never throws for what the bytes hold. */
  public static Read read(byte[] png) {
    Map<String, String> chunks;
    try {
      chunks = PngText.read(png);
    } catch (MetadataException e) {
      return new Read(null, null, "The server's PNG text was not read: " + e.getMessage());
    }
    String text = chunks.get("parameters");
    if (text == null) {
      return new Read(null, null, null);
    }
    if (text.length() > MAX_CHARS) {
      return new Read(
          null,
          null,
          "The server's parameters text is "
              + text.length()
              + " characters long; at most "
              + MAX_CHARS
              + " are kept.");
    }
    if (text.indexOf('\0') >= 0) {
      return new Read(null, null, "The server's parameters text holds a NUL character.");
    }
    GenerationParameters p;
    try {
      p = InfoText.parse(text);
    } catch (MetadataException e) {
      return new Read(
          null, null, "The server's parameters text is not A1111 parameters: " + e.getMessage());
    }
    String last = text.strip().lines().reduce((a, b) -> b).orElse("").strip();
    if (last.isEmpty() || p.prompt().strip().endsWith(last)) { // all prompt: no parameters line
      return new Read(null, null, "The server's parameters text has no line of parameters.");
    }
    return new Read(text, p, null);
  }
}
