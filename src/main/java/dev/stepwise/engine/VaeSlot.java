package dev.stepwise.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.pack.SeparateVae;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The autoencoder a model decodes with: the pack's own, or a separate one in its place (A1111's "SD
 * VAE" setting, which swaps only the autoencoder's weights: modules/sd_vae.py reload_vae_weights).
 * The separate one is loaded once, into its own manager, and kept until another is asked for.
 */
final class VaeSlot implements AutoCloseable {
  private final AutoencoderKL own;
  private final NDManager weights;
  private final ModelPack pack;
  private final VaeConfig config;
  private final WeightPrecision precision;
  private AutoencoderKL active;
  private Path otherPath;
  private NDManager otherWeights;
  private AutoencoderKL other;
  private VaeChoice otherChoice;
  private VaeOverflow.Pass half; // a half-precision decode, or null (none exists yet)
  private final List<String> decodeNotices = new ArrayList<>();

  VaeSlot(AutoencoderKL own, NDManager weights, ModelPack pack, WeightPrecision precision) {
    this.own = own;
    this.active = own;
    this.weights = weights;
    this.pack = pack;
    this.config = own.config();
    this.precision = precision;
  }

  /** The autoencoder in use. */
  AutoencoderKL active() {
    return active;
  }

  /**
   * Decodes first with {@code pass} (a half-precision decode), falling back to fp32 when its output
   * is not finite ({@link VaeOverflow}); null for fp32 only. The engine has no half-precision
   * decode of its own yet, so only tests set one.
   */
  synchronized void halfPass(VaeOverflow.Pass pass) {
    this.half = pass;
  }

  /**
   * Decodes scaled latents [B, C, h, w] (in the sampler's units) to RGB values in [0, 1] of image
   * 0..B-1, following diffusers' pipeline: x = vae.decode(latents / scaling_factor); clamp(x/2 +
   * 0.5, 0, 1); arrays live in a sub-manager of {@code manager}.
   */
  synchronized float[] decodeToPixels(NDManager manager, float[] latents, int batch, int h, int w) {
    try (NDManager sub = manager.newSubManager()) {
      NDArray z = sub.create(latents, new Shape(batch, config.latentChannels(), h, w)); // [B,C,h,w]
      z = z.div(config.scalingFactor()); // [B, C, h, w]
      AutoencoderKL vae = active;
      NDArray x = VaeOverflow.decode(z, half, vae::decode, decodeNotices); // [B, 3, H, W]
      x = x.div(2).add(0.5f).clip(0f, 1f); // [B, 3, H, W] in [0, 1]
      return x.toType(DataType.FLOAT32, false).toFloatArray();
    }
  }

  /** The decode notices since the last call (each sentence once), then forgets them. */
  synchronized List<String> takeDecodeNotices() {
    List<String> out = List.copyOf(decodeNotices);
    decodeNotices.clear();
    return out;
  }

  /**
   * Uses the autoencoder at {@code location}, or the pack's own when null. It must read this
   * model's latents: the same latent channels and downscale factor (checked before its weights
   * load); its scaling_factor is not used, the latents are the model's (as in A1111, which swaps
   * only the weights), and a folder's config.json that says otherwise gets a notice. A single file
   * has no config: the model's own describes it, and every tensor's shape is checked against it.
   *
   * @return what to record, or null for the pack's own
   * @throws ModelPackException when it cannot be read or does not fit; the pack's own is then used
   */
  VaeChoice use(Path location, List<String> notices) {
    if (location == null) {
      active = own;
      return null;
    }
    Path p = location.toAbsolutePath().normalize();
    if (!p.equals(otherPath)) {
      drop();
      NDManager m = weights.newSubManager();
      try (SeparateVae sv = SeparateVae.open(p)) {
        VaeConfig c = VaeConfig.fromJson(sv.config() != null ? sv.config() : pack.vaeConfig());
        int latent = sv.latentChannels();
        if (latent != config.latentChannels() || c.latentChannels() != config.latentChannels()) {
          throw new ModelPackException(
              "The VAE "
                  + sv.name()
                  + " has "
                  + (latent != config.latentChannels() ? latent : c.latentChannels())
                  + " latent channels but "
                  + pack.name()
                  + " makes "
                  + config.latentChannels()
                  + ", so it cannot decode this model's images.");
        }
        if (c.downscale() != config.downscale()) {
          throw new ModelPackException(
              "The VAE "
                  + sv.name()
                  + " scales images down "
                  + c.downscale()
                  + "x but "
                  + pack.name()
                  + "'s own "
                  + config.downscale()
                  + "x, so it cannot decode this model's images.");
        }
        if (c.scalingFactor() != config.scalingFactor()) {
          notices.add(
              "The VAE "
                  + sv.name()
                  + " says scaling_factor "
                  + c.scalingFactor()
                  + "; the model's "
                  + config.scalingFactor()
                  + " is used, since the latents are the model's.");
        }
        Parameters params = Parameters.strict(sv.weights(), m, precision);
        AutoencoderKL loaded = new AutoencoderKL(c, params);
        params.unusedNotice().ifPresent(notices::add);
        String hash = ModelHashes.sha256Hex(sv.weightsFile()).substring(0, 10);
        other = loaded;
        otherChoice = new VaeChoice(sv.name(), hash);
        otherWeights = m;
        otherPath = p;
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    }
    active = other;
    return otherChoice;
  }

  private void drop() {
    if (otherWeights != null) {
      otherWeights.close();
    }
    active = own;
    other = null;
    otherWeights = null;
    otherPath = null;
    otherChoice = null;
  }

  @Override
  public void close() {
    drop();
  }
}
