package dev.stepwise.engine.vae;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import java.util.Arrays;

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
    for (int c : blockOutChannels) {
      if (c <= 0 || c % normNumGroups != 0) {
        throw new ModelPackException(
            "vae/config.json: block_out_channels " + Arrays.toString(blockOutChannels)
                + " must be positive multiples of norm_num_groups " + normNumGroups + ".");
      }
    }
    if (latentChannels <= 0 || inChannels <= 0 || outChannels <= 0 || layersPerBlock <= 0) {
      throw new ModelPackException("vae/config.json: channel counts and layers_per_block must be positive.");
    }
    if (!(scalingFactor > 0) || Double.isInfinite(scalingFactor)) {
      throw new ModelPackException("vae/config.json: scaling_factor must be a positive number, got " + scalingFactor + ".");
    }
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  /** The spatial factor f = 2^(blocks - 1) between image and latent (diffusers' vae_scale_factor). */
  public int downscale() {
    return 1 << (blockOutChannels.length - 1);
  }

  /** Parses vae/config.json; only DownEncoderBlock2D / UpDecoderBlock2D stacks are accepted. */
  public static VaeConfig fromJson(JsonObject o) {
    int[] channels = ints(o, "block_out_channels", new int[] {64});
    checkBlocks(o, "down_block_types", "DownEncoderBlock2D", channels.length);
    checkBlocks(o, "up_block_types", "UpDecoderBlock2D", channels.length);
    String act = o.has("act_fn") ? o.get("act_fn").getAsString() : "silu";
    if (!act.equals("silu")) {
      throw new ModelPackException("vae/config.json: act_fn \"" + act + "\" is not supported; Stepwise reads silu.");
    }
    if (o.has("mid_block_add_attention") && !o.get("mid_block_add_attention").getAsBoolean()) {
      throw new ModelPackException("vae/config.json: mid_block_add_attention false is not supported.");
    }
    return new VaeConfig(
        integer(o, "in_channels", 3),
        integer(o, "out_channels", 3),
        integer(o, "latent_channels", 4),
        channels,
        integer(o, "layers_per_block", 1),
        integer(o, "norm_num_groups", 32),
        o.has("scaling_factor") && !o.get("scaling_factor").isJsonNull() ? o.get("scaling_factor").getAsDouble() : 0.18215,
        integer(o, "sample_size", 32));
  }

  private static void checkBlocks(JsonObject o, String key, String allowed, int n) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return;
    }
    if (!e.isJsonArray() || e.getAsJsonArray().size() != n) {
      throw new ModelPackException("vae/config.json: " + key + " must list " + n + " blocks (one per block_out_channels entry).");
    }
    for (JsonElement b : e.getAsJsonArray()) {
      if (!b.getAsString().equals(allowed)) {
        throw new ModelPackException("vae/config.json: " + key + " entry \"" + b.getAsString() + "\" is not supported; Stepwise reads " + allowed + ".");
      }
    }
  }

  private static int integer(JsonObject o, String key, int dflt) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    try {
      return e.getAsInt();
    } catch (RuntimeException ex) {
      throw new ModelPackException("vae/config.json: " + key + " must be an integer, got " + e + ".");
    }
  }

  private static int[] ints(JsonObject o, String key, int[] dflt) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    if (!e.isJsonArray()) {
      throw new ModelPackException("vae/config.json: " + key + " must be a list of integers, got " + e + ".");
    }
    JsonArray a = e.getAsJsonArray();
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }
}
