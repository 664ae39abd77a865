package dev.stepwise.cli;

import dev.stepwise.engine.GenerationRequest;
import java.security.SecureRandom;
import picocli.CommandLine.Option;

/** {@code generate}'s A1111 variation seed options (a picocli mixin; engine/random). */
final class VariationOptions {
  @Option(
      names = "--variation-seed",
      paramLabel = "N",
      description =
          "A1111's variation seed, whose noise --variation-strength mixes in; image i of a batch"
              + " uses N + i and keeps --seed. Default: random.")
  Long seed;

  @Option(
      names = "--variation-strength",
      paramLabel = "S",
      description = "0 (the seed's own image, the default) to 1; 0.05 to 0.3 for neighbours.")
  double strength;

  /** {@code b} with the variation; a strength outside 0 to 1 or a lone seed is a bad value. */
  GenerationRequest.Builder applyTo(GenerationRequest.Builder b) {
    if (!(strength >= 0 && strength <= 1)) {
      throw new CliErrors.BadValue(
          "--variation-strength must be between 0 and 1, got " + strength + ".");
    }
    if (strength == 0 && seed != null) {
      throw new CliErrors.BadValue(
          "--variation-seed " + seed + " has no effect without --variation-strength above 0.");
    }
    return strength == 0
        ? b
        : b.variation(seed != null ? seed : new SecureRandom().nextLong() & 0xFFFFFFFFL, strength);
  }
}
