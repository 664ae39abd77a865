package dev.stepwise.engine.pack;

import com.google.gson.JsonObject;
import dev.stepwise.engine.ModelPackException;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.TensorSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An autoencoder chosen apart from the model (A1111's "SD VAE", diffusers' {@code vae=} argument):
 * a single {@code .safetensors} file with LDM names, with or without {@code first_stage_model.}
 * (such as {@code vae-ft-mse-840000-ema-pruned.safetensors}), a lone file with diffusers names, or
 * a diffusers {@code AutoencoderKL} folder ({@code config.json} and {@code
 * diffusion_pytorch_model.safetensors}). Names are mapped by {@link LdmKeyMap} as for a checkpoint
 * (diffusers loaders/single_file_utils.py convert_ldm_vae_checkpoint). Pickle files are refused.
 * Open until closed: the weights are read from the file when the network loads them.
 */
public final class SeparateVae implements AutoCloseable {
  private final SafetensorsFile file;
  private final TensorSource weights;
  private final JsonObject config;
  private final String name;

  private SeparateVae(SafetensorsFile file, TensorSource weights, JsonObject config, String name) {
    this.file = file;
    this.weights = weights;
    this.config = config;
    this.name = name;
  }

  /**
   * Opens the autoencoder at {@code location}; a missing, pickled or unreadable one is refused with
   * one sentence.
   */
  public static SeparateVae open(Path location) {
    if (PickleFiles.isPickle(location)) {
      throw new ModelPackException("The VAE " + PickleFiles.refusal(location));
    }
    String name = String.valueOf(location.getFileName());
    if (Files.isDirectory(location)) {
      JsonObject config = PackJson.readObject(location, "config.json", "VAE " + location);
      Path w = location.resolve("diffusion_pytorch_model.safetensors");
      if (!Files.isRegularFile(w)) {
        w = location.resolve("diffusion_pytorch_model.fp16.safetensors");
      }
      if (!Files.isRegularFile(w)) {
        throw new ModelPackException(
            "The VAE folder "
                + location
                + " has no diffusion_pytorch_model.safetensors; Stepwise reads a diffusers"
                + " AutoencoderKL folder or a single .safetensors file.");
      }
      SafetensorsFile f = SafetensorsFile.open(w, "VAE " + w);
      return new SeparateVae(f, f, config, name);
    }
    if (!Files.isRegularFile(location)) {
      throw new ModelPackException("The VAE " + location + " does not exist.");
    }
    SafetensorsFile f = SafetensorsFile.open(location, "VAE " + location);
    try {
      if (f.names().stream().anyMatch(n -> n.startsWith("decoder.up_blocks."))) {
        return new SeparateVae(f, f, null, name); // diffusers names already
      }
      Map<String, long[]> shapes = new HashMap<>();
      for (String n : f.names()) {
        shapes.put(n, f.shape(n));
      }
      LdmKeyMap map = LdmKeyMap.ofVae(shapes, name);
      if (map.vae.isEmpty()) {
        throw new ModelPackException(
            "The VAE " + location + " holds no autoencoder tensors (encoder.*, decoder.*).");
      }
      return new SeparateVae(f, new CheckpointTensors(f, map.vae, "VAE " + location), null, name);
    } catch (RuntimeException e) {
      f.close();
      throw e;
    }
  }

  /** The file or folder name, as A1111's {@code VAE} parameter writes it. */
  public String name() {
    return name;
  }

  /** The weights file (for the hash: A1111's {@code VAE hash} is its SHA-256's first 10 digits). */
  public Path weightsFile() {
    return file.path();
  }

  /** The folder's config.json, or null for a single file (the model's own config applies). */
  public JsonObject config() {
    return config;
  }

  /** The tensors under diffusers' AutoencoderKL names. */
  public TensorSource weights() {
    return weights;
  }

  /**
   * The latent channels the decoder reads: {@code post_quant_conv.weight} [C, C, 1, 1] (or, without
   * it, {@code decoder.conv_in.weight} [C0, C, 3, 3]); -1 when neither is there.
   */
  public int latentChannels() {
    long[] s = weights.shape("post_quant_conv.weight");
    if (s != null && s.length >= 2) {
      return (int) s[1];
    }
    s = weights.shape("decoder.conv_in.weight");
    return s != null && s.length >= 2 ? (int) s[1] : -1;
  }

  @Override
  public void close() {
    file.close();
  }
}
