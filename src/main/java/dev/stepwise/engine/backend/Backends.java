package dev.stepwise.engine.backend;

import dev.stepwise.engine.EngineException;
import java.util.Locale;

/** Turns one backend as the user writes it into a {@link Backend}. */
public final class Backends {
  /** The URL prefix that says a backend speaks AUTOMATIC1111's API (plain URLs do too). */
  public static final String A1111_PREFIX = "a1111+";

  private Backends() {}

  /**
   * The backend {@code spec} names: {@code comfyui+http://host:8188} is a ComfyUI server, {@code
   * a1111+http://host:7860} or a plain {@code http://host:7860} a server speaking AUTOMATIC1111's
   * API; https and {@code user:password@} work in each.
   *
   * @throws EngineException with one sentence when {@code spec} is neither
   */
  public static Backend parse(String spec) {
    String s = spec == null ? "" : spec.strip();
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.startsWith(ComfyBackend.PREFIX)) {
      return new ComfyBackend(s);
    }
    if (lower.startsWith(A1111_PREFIX)) {
      return new A1111Backend(s.substring(A1111_PREFIX.length()));
    }
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      return new A1111Backend(s);
    }
    throw new EngineException(
        "The backend '"
            + spec
            + "' is not a URL such as http://host:7860 (AUTOMATIC1111's API, also written"
            + " a1111+http://...) or comfyui+http://host:8188 (ComfyUI).");
  }
}
