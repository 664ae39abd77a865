package dev.stepwise.engine.vae;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.ConfigFields;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The decoder fields of diffusers' AutoencoderTiny config.json (TAESD, models/autoencoders/
 * autoencoder_tiny.py), with diffusers' defaults, bounded because the file is untrusted. The
 * encoder fields are ignored: Stepwise only decodes (live previews).
 *
 * <p>{@code stepwiseVaeScalingFactor} is Stepwise's optional {@code stepwise_vae_scaling_factor}:
 * the scaling_factor of the autoencoder whose scaled latents the decoder was distilled on
 * (models/training/train_preview_decoder.py writes it).
 */
public record TinyVaeConfig(
    int latentChannels,
    int outChannels,
    int[] decoderBlockOutChannels,
    int[] numDecoderBlocks,
    int upsamplingScalingFactor,
    String upsampleFn,
    String actFn,
    double scalingFactor,
    OptionalDouble stepwiseVaeScalingFactor) {

  /** Most channels of any layer accepted (TAESD uses 64). */
  public static final int MAX_CHANNELS = 512;

  /** Most decoder stages accepted (TAESD has 4). */
  public static final int MAX_STAGES = 6;

  /** Most blocks in one stage accepted (TAESD has at most 3). */
  public static final int MAX_BLOCKS_PER_STAGE = 16;

  /** Largest upsampling_scaling_factor accepted (TAESD uses 2). */
  public static final int MAX_UPSAMPLING = 8;

  /** Largest total spatial factor accepted (TAESD: 8; taesd.py's F32Decoder: 32). */
  public static final int MAX_FACTOR = 64;

  /**
   * The activations diffusers' get_activation knows that Stepwise runs (activations.py ACT2CLS).
   */
  public static final List<String> ACTIVATIONS = List.of("relu", "silu", "swish", "gelu");

  private static final String DEFAULT_FILE = "config.json";

  public TinyVaeConfig {
    Objects.requireNonNull(upsampleFn, "upsampleFn");
    Objects.requireNonNull(actFn, "actFn");
    Objects.requireNonNull(stepwiseVaeScalingFactor, "stepwiseVaeScalingFactor");
    decoderBlockOutChannels = decoderBlockOutChannels.clone();
    numDecoderBlocks = numDecoderBlocks.clone();
    validate(
        DEFAULT_FILE,
        latentChannels,
        outChannels,
        decoderBlockOutChannels,
        numDecoderBlocks,
        upsamplingScalingFactor,
        upsampleFn,
        actFn,
        scalingFactor,
        stepwiseVaeScalingFactor);
  }

  @Override
  public int[] decoderBlockOutChannels() {
    return decoderBlockOutChannels.clone();
  }

  @Override
  public int[] numDecoderBlocks() {
    return numDecoderBlocks.clone();
  }

  /** The number of decoder stages. */
  public int stages() {
    return numDecoderBlocks.length;
  }

  /** The decoder's one width (DecoderTiny chains it through every stage). */
  public int width() {
    return decoderBlockOutChannels[0];
  }

  /** Spatial upscaling from latents to pixels: upsampling_scaling_factor^(stages - 1). */
  public int factor() {
    return power(upsamplingScalingFactor, numDecoderBlocks.length - 1);
  }

  /** The number of decoder parameters this config implies (weights and biases). */
  public long parameterCount() {
    long c = width();
    long conv = c * c * 9; // a 3x3 C -> C weight
    long n = latentChannels * c * 9 + c; // layers.0
    for (int i = 0; i < numDecoderBlocks.length; i++) {
      n += numDecoderBlocks[i] * 3L * (conv + c); // conv.0, conv.2, conv.4 with biases
      n += i < numDecoderBlocks.length - 1 ? conv : c * outChannels * 9 + outChannels;
    }
    return n;
  }

  /**
   * TAESD's decoder (madebyollin/taesd taesd.py Decoder) for files without a config.json: 64 wide,
   * blocks [3, 3, 3, 1], 2x nearest, relu, scaling_factor 1.0, with {@code latentChannels}.
   */
  public static TinyVaeConfig taesdDefaults(int latentChannels) {
    if (latentChannels < 1 || latentChannels > MAX_CHANNELS) {
      throw new ModelPackException(
          "A TAESD decoder with "
              + latentChannels
              + " latent channels is not supported; allowed are 1 to "
              + MAX_CHANNELS
              + ".");
    }
    return new TinyVaeConfig(
        latentChannels,
        3,
        new int[] {64, 64, 64, 64},
        new int[] {3, 3, 3, 1},
        2,
        "nearest",
        "relu",
        1.0,
        OptionalDouble.empty());
  }

  /**
   * Parses an AutoencoderTiny config.json; {@code file} names it in messages (e.g. {@code
   * /models/taesd/config.json}). Every refusal is one sentence naming the file, the field, the
   * value and what is allowed.
   */
  public static TinyVaeConfig fromJson(JsonObject o, String file) {
    ConfigFields f = new ConfigFields(o, file);
    String cls = f.string("_class_name", "AutoencoderTiny");
    if (!cls.equals("AutoencoderTiny")) {
      throw f.fail(
          "_class_name \""
              + cls
              + "\" is not AutoencoderTiny, the only class a preview decoder may be");
    }
    int[] widths = f.ints("decoder_block_out_channels", new int[] {64, 64, 64, 64}, -1);
    int[] blocks = f.ints("num_decoder_blocks", new int[] {3, 3, 3, 1}, -1);
    JsonElement shift = f.get("shift_factor");
    if (shift != null && f.number("shift_factor", 0) != 0) {
      throw f.fail(
          "shift_factor "
              + shift
              + " is not supported; only 0 is (that decoder belongs to another model family)");
    }
    JsonElement made = f.get("stepwise_vae_scaling_factor");
    OptionalDouble madeFor =
        made == null
            ? OptionalDouble.empty()
            : OptionalDouble.of(f.number("stepwise_vae_scaling_factor", 0));
    return check(
        file,
        f.integer("latent_channels", 4),
        f.integer("out_channels", 3),
        widths,
        blocks,
        f.integer("upsampling_scaling_factor", 2),
        f.string("upsample_fn", "nearest"),
        f.string("act_fn", "relu"),
        f.number("scaling_factor", 1.0),
        madeFor);
  }

  private static TinyVaeConfig check(
      String file,
      int latentChannels,
      int outChannels,
      int[] widths,
      int[] blocks,
      int upsampling,
      String upsampleFn,
      String actFn,
      double scalingFactor,
      OptionalDouble madeFor) {
    validate(
        file,
        latentChannels,
        outChannels,
        widths,
        blocks,
        upsampling,
        upsampleFn,
        actFn,
        scalingFactor,
        madeFor);
    return new TinyVaeConfig(
        latentChannels,
        outChannels,
        widths,
        blocks,
        upsampling,
        upsampleFn,
        actFn,
        scalingFactor,
        madeFor);
  }

  private static void validate(
      String file,
      int latentChannels,
      int outChannels,
      int[] widths,
      int[] blocks,
      int upsampling,
      String upsampleFn,
      String actFn,
      double scalingFactor,
      OptionalDouble madeFor) {
    String at = file + ": ";
    if (latentChannels < 1 || latentChannels > MAX_CHANNELS) {
      throw new ModelPackException(
          at
              + "latent_channels "
              + latentChannels
              + " is out of range; allowed are 1 to "
              + MAX_CHANNELS
              + ".");
    }
    if (outChannels != 3) {
      throw new ModelPackException(
          at
              + "out_channels "
              + outChannels
              + " is not supported; a preview decoder makes 3 (RGB) channels.");
    }
    if (widths.length < 1 || widths.length > MAX_STAGES) {
      throw new ModelPackException(
          at
              + "decoder_block_out_channels "
              + Arrays.toString(widths)
              + " has "
              + widths.length
              + " stages; allowed are 1 to "
              + MAX_STAGES
              + ".");
    }
    if (blocks.length != widths.length) {
      throw new ModelPackException(
          at
              + "num_decoder_blocks "
              + Arrays.toString(blocks)
              + " has "
              + blocks.length
              + " entries but decoder_block_out_channels has "
              + widths.length
              + ".");
    }
    for (int c : widths) {
      if (c < 1 || c > MAX_CHANNELS) {
        throw new ModelPackException(
            at
                + "decoder_block_out_channels entry "
                + c
                + " is out of range; allowed are 1 to "
                + MAX_CHANNELS
                + ".");
      }
    }
    for (int c : widths) {
      if (c != widths[0]) {
        // vae.py DecoderTiny: each stage's last conv keeps the stage's width, so widths cannot
        // change.
        throw new ModelPackException(
            at
                + "decoder_block_out_channels "
                + Arrays.toString(widths)
                + " mixes widths; DecoderTiny needs one width for every stage.");
      }
    }
    for (int n : blocks) {
      if (n < 0 || n > MAX_BLOCKS_PER_STAGE) {
        throw new ModelPackException(
            at
                + "num_decoder_blocks entry "
                + n
                + " is out of range; allowed are 0 to "
                + MAX_BLOCKS_PER_STAGE
                + ".");
      }
    }
    if (upsampling < 1 || upsampling > MAX_UPSAMPLING) {
      throw new ModelPackException(
          at
              + "upsampling_scaling_factor "
              + upsampling
              + " is out of range; allowed are 1 to "
              + MAX_UPSAMPLING
              + ".");
    }
    long total = 1;
    for (int i = 1; i < blocks.length; i++) {
      total *= upsampling;
      if (total > MAX_FACTOR) {
        throw new ModelPackException(
            at
                + "upsampling_scaling_factor "
                + upsampling
                + " over "
                + blocks.length
                + " stages upscales by more than "
                + MAX_FACTOR
                + "; allowed is at most "
                + MAX_FACTOR
                + ".");
      }
    }
    if (!upsampleFn.equals("nearest") && !upsampleFn.equals("bilinear")) {
      throw new ModelPackException(
          at
              + "upsample_fn \""
              + upsampleFn
              + "\" is not supported; allowed are nearest and bilinear.");
    }
    if (!ACTIVATIONS.contains(actFn)) {
      throw new ModelPackException(
          at
              + "act_fn \""
              + actFn
              + "\" is not supported; allowed are "
              + String.join(", ", ACTIVATIONS)
              + ".");
    }
    if (!(scalingFactor > 0) || Double.isInfinite(scalingFactor)) {
      throw new ModelPackException(
          at
              + "scaling_factor "
              + scalingFactor
              + " is not allowed; it must be a positive number.");
    }
    if (madeFor.isPresent()
        && (!(madeFor.getAsDouble() > 0) || Double.isInfinite(madeFor.getAsDouble()))) {
      throw new ModelPackException(
          at
              + "stepwise_vae_scaling_factor "
              + madeFor.getAsDouble()
              + " is not allowed; it must be a positive number.");
    }
  }

  private static int power(int base, int exponent) {
    int r = 1;
    for (int i = 0; i < exponent; i++) {
      r = Math.multiplyExact(r, base);
    }
    return r;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TinyVaeConfig t
        && latentChannels == t.latentChannels
        && outChannels == t.outChannels
        && Arrays.equals(decoderBlockOutChannels, t.decoderBlockOutChannels)
        && Arrays.equals(numDecoderBlocks, t.numDecoderBlocks)
        && upsamplingScalingFactor == t.upsamplingScalingFactor
        && upsampleFn.equals(t.upsampleFn)
        && actFn.equals(t.actFn)
        && Double.compare(scalingFactor, t.scalingFactor) == 0
        && stepwiseVaeScalingFactor.equals(t.stepwiseVaeScalingFactor);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(decoderBlockOutChannels) * 31 + Arrays.hashCode(numDecoderBlocks);
  }

  @Override
  public String toString() {
    return "TinyVaeConfig[latent_channels="
        + latentChannels
        + ", decoder_block_out_channels="
        + Arrays.toString(decoderBlockOutChannels)
        + ", num_decoder_blocks="
        + Arrays.toString(numDecoderBlocks)
        + ", upsampling_scaling_factor="
        + upsamplingScalingFactor
        + ", upsample_fn="
        + upsampleFn
        + ", act_fn="
        + actFn
        + ", scaling_factor="
        + scalingFactor
        + "]";
  }
}
