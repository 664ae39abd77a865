package dev.stepwise.engine.nn;

import java.util.Locale;

/**
 * How linear and conv weights are held; compute is fp32 (FLOAT16 is widened per call). The widening
 * is a fixed cost per network pass (SD 1.5: about 0.9 s per guided step on a 2-core machine), so it
 * weighs most on small images; {@link #FLOAT32} trades memory for it.
 */
public enum WeightPrecision {
  /** F16 stays FLOAT16; BF16 becomes FLOAT16 when exact, else FLOAT32; F32 stays FLOAT32. */
  AS_STORED("stored"),
  /** All FLOAT32: twice an fp16 file's memory, no widening per pass. */
  FLOAT32("float32");

  private final String cliName;

  WeightPrecision(String cliName) {
    this.cliName = cliName;
  }

  /** The name users type ({@code stored}, {@code float32}). */
  public String cliName() {
    return cliName;
  }

  /**
   * The precision called {@code name}.
   *
   * @throws IllegalArgumentException naming the value and the allowed ones
   */
  public static WeightPrecision named(String name) {
    for (WeightPrecision p : values()) {
      if (p.cliName.equals(name.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "--weights must be stored or float32, got \"" + name + "\".");
  }
}
