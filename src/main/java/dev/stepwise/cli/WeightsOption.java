package dev.stepwise.cli;

import dev.stepwise.engine.nn.WeightPrecision;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code --weights stored|float32}; a bad value is one sentence (exit 2). */
public final class WeightsOption implements ITypeConverter<WeightPrecision> {
  @Override
  public WeightPrecision convert(String value) {
    try {
      return WeightPrecision.named(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
