package dev.stepwise.engine.bench;

import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.nio.file.Path;

/**
 * A Stable Diffusion model's shape for the random-weight figures: its configs and text window.
 *
 * @param name the key prefix of its figures, e.g. "sd15"
 */
public record ModelShape(
    String name, UNetConfig unet, VaeConfig vae, ClipTextConfig text, int tokens) {

  /**
   * SD 1.5: the bundled UNet and autoencoder configs, and CLIP ViT-L/14's text tower
   * (openai/clip-vit-large-patch14 text_config: 12 layers of 768, 12 heads, MLP 3072, 77 tokens).
   */
  public static ModelShape sd15() {
    return new ModelShape(
        "sd15",
        UNetBenchmark.sd15Config(),
        PreviewBenchmark.sd15VaeConfig(),
        new ClipTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5),
        77);
  }

  /** The shape of the model pack in {@code folder}. */
  public static ModelShape ofPack(String name, Path folder) {
    try (ModelPack p = ModelPack.open(folder)) {
      ClipTextConfig text = ClipTextConfig.fromJson(p.textEncoderConfig());
      return new ModelShape(
          name,
          UNetConfig.fromJson(p.unetConfig()),
          VaeConfig.fromJson(p.vaeConfig()),
          text,
          text.maxPositionEmbeddings());
    }
  }
}
