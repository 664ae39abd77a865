package dev.stepwise.engine;

import ai.djl.ndarray.NDManager;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.pack.ModelHashes;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.pack.SeparateVae;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.nio.file.Path;
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
