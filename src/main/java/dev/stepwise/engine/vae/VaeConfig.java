package dev.stepwise.engine.vae;

import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.pack.ConfigFields;
import java.util.Arrays;
import java.util.List;

/**
 * The fields of diffusers' AutoencoderKL config (vae/config.json) that the networks use, with
 * diffusers' defaults (models/autoencoders/autoencoder_kl.py).
 */
public record VaeConfig(
    int inChannels,
    int outChannels,
    int latentChannels,
    int[] blockOutChannels,
    int layersPerBlock,
    int normNumGroups,
    double scalingFactor,
    int sampleSize) {

  public VaeConfig {
    blockOutChannels = blockOutChannels.clone();
    if (blockOutChannels.length == 0) {
      throw new ModelPackException("vae/config.json: block_out_channels must not be empty.");
    }
    if (normNumGroups <= 0) {
      throw new ModelPackException(
          "vae/config.json: norm_num_groups must be a positive number of groups, got "
              + normNumGroups
              + ".");
    }
    for (int c : blockOutChannels) {
      if (c <= 0 || c % normNumGroups != 0) {
        throw new ModelPackException(
            "vae/config.json: block_out_channels "
                + Arrays.toString(blockOutChannels)
                + " must be positive multiples of norm_num_groups "
                + normNumGroups
                + ".");
      }
    }
    if (latentChannels <= 0 || inChannels <= 0 || outChannels <= 0 || layersPerBlock <= 0) {
      throw new ModelPackException(
          "vae/config.json: channel counts and layers_per_block must be positive.");
    }
    if (!(scalingFactor > 0) || Double.isInfinite(scalingFactor)) {
      throw new ModelPackException(
          "vae/config.json: scaling_factor must be a positive number, got " + scalingFactor + ".");
    }
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  /**
   * The spatial factor f = 2^(blocks - 1) between image and latent (diffusers' vae_scale_factor).
   */
  public int downscale() {
    return 1 << (blockOutChannels.length - 1);
  }

  /** Parses vae/config.json; only DownEncoderBlock2D / UpDecoderBlock2D stacks are accepted. */
  public static VaeConfig fromJson(JsonObject o) {
    ConfigFields f = new ConfigFields(o, "vae/config.json");
    int[] channels = f.ints("block_out_channels", new int[] {64}, -1);
    checkBlocks(f, "down_block_types", "DownEncoderBlock2D", channels.length);
    checkBlocks(f, "up_block_types", "UpDecoderBlock2D", channels.length);
    String act = f.string("act_fn", "silu");
    if (!act.equals("silu")) {
      throw f.fail("act_fn \"" + act + "\" is not supported; Stepwise reads silu");
    }
    if (!f.bool("mid_block_add_attention", true)) {
      throw f.fail("mid_block_add_attention false is not supported");
    }
    for (String key : new String[] {"shift_factor", "latents_mean", "latents_std"}) {
      if (f.get(key) != null) {
        throw f.fail(key + " is not supported (that autoencoder belongs to another model family)");
      }
    }
    return new VaeConfig(
        f.integer("in_channels", 3),
        f.integer("out_channels", 3),
        f.integer("latent_channels", 4),
        channels,
        f.integer("layers_per_block", 1),
        f.integer("norm_num_groups", 32),
        f.number("scaling_factor", 0.18215),
        f.integer("sample_size", 32));
  }

  private static void checkBlocks(ConfigFields f, String key, String allowed, int n) {
    if (f.get(key) == null) {
      return;
    }
    List<String> blocks = f.strings(key, List.of());
    if (blocks.size() != n) {
      throw f.fail(key + " must list " + n + " blocks (one per block_out_channels entry)");
    }
    for (String b : blocks) {
      if (!b.equals(allowed)) {
        throw f.fail(key + " entry \"" + b + "\" is not supported; Stepwise reads " + allowed);
      }
    }
  }
}
