package dev.stepwise.engine;

import java.util.Locale;

/**
 * How each step's live preview is turned from latents into a picture at the output size. The engine
 * measures what every method costs during a run (see {@link StepFrames#costPercent()}).
 */
public enum PreviewMethod {
  /**
   * The pack's preview decoder when it has one; else a full decode when it costs at most 25% of a
   * step; else the cheap projection with a full decode every N steps, N chosen to keep the cost
   * under 25%.
   */
  AUTO("auto", "Auto"),
  /**
   * The preview decoder (diffusers' AutoencoderTiny, the TAESD architecture): a distilled decoder
   * at a small fraction of a step; decodes at half size when a full-size decode costs more than 10%
   * of a step. Without one the run falls back to {@link #AUTO}.
   */
  TINY("tiny", "Tiny decoder"),
  /** The pack's own autoencoder at every step: exact, and as costly as a decode. */
  FULL("full", "Full decode"),
  /**
   * The linear latent-to-RGB projection (4x3 factors fitted on the autoencoder), upscaled smoothly:
   * nearly free, blurry.
   */
  CHEAP("cheap", "Cheap"),
  /** No preview: only the finished image. */
  OFF("off", "Off");

  private final String cliName;
  private final String displayName;

  PreviewMethod(String cliName, String displayName) {
    this.cliName = cliName;
    this.displayName = displayName;
  }

  /** The CLI spelling, e.g. {@code tiny}. */
  public String cliName() {
    return cliName;
  }

  /** The label the studio shows, e.g. "Tiny decoder". */
  public String displayName() {
    return displayName;
  }

  /** Parses a CLI name, ignoring case and surrounding spaces; anything else is refused. */
  public static PreviewMethod parse(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (PreviewMethod m : values()) {
      if (m.cliName.equals(n)) {
        return m;
      }
    }
    throw new EngineException(
        "The preview method must be auto, tiny, full, cheap or off, got \""
            + (name == null ? "" : name)
            + "\".");
  }
}
