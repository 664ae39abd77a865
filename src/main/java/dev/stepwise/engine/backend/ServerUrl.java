package dev.stepwise.engine.backend;

import dev.stepwise.engine.EngineException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * A server's address as a backend keeps it: the base URL without credentials (what names the
 * backend anywhere the user sees it) and, when the URL carried {@code user:pass@}, the HTTP basic
 * {@code Authorization} header made of them (A1111's {@code --api-auth}).
 *
 * @param base {@code scheme://host[:port]/}
 * @param authorization {@code "Basic ..."}, or null without credentials
 */
record ServerUrl(URI base, String authorization) {

  /**
   * The address in {@code u}.
   *
   * @throws EngineException with {@code bad} when {@code u} is not an http or https URL with a host
   */
  static ServerUrl of(URI u, String bad) {
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
      throw new EngineException(bad);
    }
    String user = u.getRawUserInfo();
    String authorization =
        user == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(
                        URLDecoder.decode(user, StandardCharsets.UTF_8)
                            .getBytes(StandardCharsets.UTF_8));
    URI base =
        URI.create(scheme + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + "/");
    return new ServerUrl(base, authorization);
  }

  /** The base URL without its last slash, as messages and recipes name the server. */
  String shown() {
    return base.toString().replaceAll("/$", "");
  }
}
