package dev.stepwise.serve;

import dev.stepwise.engine.PreviewMethod;
import java.nio.file.Path;

/**
 * What {@code stepwise serve} was started with, and the limits every request is held to.
 *
 * @param host the address to listen on (127.0.0.1 unless the user chose another)
 * @param port the port, or 0 for any free one (tests)
 * @param user the HTTP basic user, or null for no authentication (loopback only)
 * @param password the HTTP basic password, or null
 * @param models the models root whose checkpoints requests may name
 * @param defaultModel the checkpoint used when a request names none
 * @param cors the one origin a browser may call from, or null for no CORS headers
 * @param preview how progress previews are made ({@link PreviewMethod#AUTO}, as in the studio)
 * @param limits the request limits
 */
public record ServeConfig(
    String host,
    int port,
    String user,
    String password,
    Path models,
    Path defaultModel,
    String cors,
    PreviewMethod preview,
    Limits limits) {

  /** The address serve listens on unless told otherwise. */
  public static final String LOOPBACK = "127.0.0.1";

  /** A1111's own port, so clients find Stepwise where they look for A1111. */
  public static final int DEFAULT_PORT = 7860;

  public ServeConfig {
    preview = preview == null ? PreviewMethod.AUTO : preview;
    limits = limits == null ? Limits.DEFAULTS : limits;
    if ((user == null) != (password == null)) {
      throw new IllegalArgumentException("user and password come together");
    }
  }

  /** Whether requests must carry HTTP basic credentials. */
  public boolean authenticated() {
    return user != null;
  }

  /**
   * The limits on one request and on the queue.
   *
   * @param maxBodyBytes the largest request body (413 beyond)
   * @param maxSide the largest width or height in pixels (400 beyond)
   * @param maxSteps the most sampler steps (400 beyond)
   * @param maxImages the most images one request makes, batch_size x n_iter (400 beyond)
   * @param maxQueue the most jobs queued or running at once (429 beyond)
   */
  public record Limits(long maxBodyBytes, int maxSide, int maxSteps, int maxImages, int maxQueue) {
    /** 64 MiB bodies, 2048 x 2048, 150 steps, 8 images, 32 jobs. */
    public static final Limits DEFAULTS = new Limits(64L << 20, 2048, 150, 8, 32);

    /**
     * Width and height must be a multiple of this (every model's autoencoder factor divides it).
     */
    public static final int SIDE_STEP = 8;
  }
}
