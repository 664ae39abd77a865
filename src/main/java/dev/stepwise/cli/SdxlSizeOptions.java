package dev.stepwise.cli;

import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.recipe.SizeConditioning;
import picocli.CommandLine.Option;

/**
 * {@code generate}'s SDXL size micro-conditioning (a picocli mixin; recipe/SizeConditioning):
 * diffusers' {@code original_size}, {@code crops_coords_top_left} and {@code target_size}.
 */
final class SdxlSizeOptions {
  @Option(
      names = "--original-size",
      paramLabel = "WxH",
      description =
          "SDXL only: the size the model is told the training picture had (diffusers'"
              + " original_size). Default: the image size.")
  String originalSize;

  @Option(
      names = "--crop-top-left",
      paramLabel = "X,Y",
      description =
          "SDXL only: the crop's top-left corner in pixels, left then top (diffusers'"
              + " crops_coords_top_left). Default 0,0.")
  String cropTopLeft;

  @Option(
      names = "--target-size",
      paramLabel = "WxH",
      description =
          "SDXL only: the size the model is told was asked for (diffusers' target_size)."
              + " Default: the image size.")
  String targetSize;

  /** {@code b} with the conditioning; a value that is not two whole numbers is a bad value. */
  GenerationRequest.Builder applyTo(GenerationRequest.Builder b) {
    if (originalSize == null && cropTopLeft == null && targetSize == null) {
      return b;
    }
    int[] original = pair("--original-size", originalSize, "x", 1, "WIDTHxHEIGHT");
    int[] crop = pair("--crop-top-left", cropTopLeft, ",", 0, "X,Y");
    int[] target = pair("--target-size", targetSize, "x", 1, "WIDTHxHEIGHT");
    return b.sizes(
        new SizeConditioning(original[0], original[1], crop[0], crop[1], target[0], target[1]));
  }

  private static int[] pair(String option, String text, String sep, int min, String form) {
    if (text == null) {
      return new int[] {0, 0};
    }
    int[] v = SizeConditioning.readPair(text, sep, min);
    if (v == null) {
      throw new CliErrors.BadValue(
          option
              + " must be "
              + form
              + " with whole numbers from "
              + min
              + " to "
              + SizeConditioning.MAX
              + ", got \""
              + text
              + "\".");
    }
    return v;
  }
}
