package dev.stepwise.cli;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.recipe.Settings;
import java.security.SecureRandom;
import picocli.CommandLine.Option;

/**
 * {@code generate}'s AUTOMATIC1111 variation seed options (a picocli mixin): the image's noise
 * moved towards a second seed's by a strength from 0 to 1 (engine/random/VariationNoise).
 */
final class VariationOptions {
  @Option(
      names = "--variation-seed",
      paramLabel = "N",
      description =
          "A1111's variation seed: the seed whose noise --variation-strength mixes in (image i of"
              + " a batch uses N + i and keeps --seed). Default with a strength: random.")
  Long seed;

  @Option(
      names = "--variation-strength",
      paramLabel = "S",
      description =
          "How far to move towards the variation seed's noise, 0 to 1 (0: the seed's own image;"
              + " 0.05 to 0.3 for near neighbours). Default 0.")
  Double strength;

  /**
   * Puts the variation into {@code b}; a strength outside 0 to 1, or a variation seed with no
   * strength to use it, is refused as a bad value.
   */
  GenerationRequest.Builder applyTo(GenerationRequest.Builder b) {
    if (strength == null || strength == 0) {
      if (seed != null) {
        throw new CliErrors.BadValue(
            "--variation-seed "
                + seed
                + " has no effect without --variation-strength above 0 (such as 0.1).");
      }
      return b;
    }
    String problem = Settings.variationProblem(strength);
    if (problem != null) {
      throw new CliErrors.BadValue(
          "--variation-strength must be between 0 and 1, got " + strength + ".");
    }
    long v = seed != null ? seed : new SecureRandom().nextLong() & 0xFFFFFFFFL;
    return b.variation(v, strength);
  }
}
