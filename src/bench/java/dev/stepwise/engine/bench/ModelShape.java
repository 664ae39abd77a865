package dev.stepwise.engine.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.VaeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a Stable Diffusion model for the benchmark's random-weight figures: its UNet,
 * autoencoder and text encoder configs and the text window.
 *
 * @param name the key prefix of its figures, e.g. "sd15"
 * @param unet the UNet's config
 * @param vae the autoencoder's config
 * @param text the text encoder's config
 * @param tokens the text window (context tokens per prompt)
 */
public record ModelShape(
    String name, UNetConfig unet, VaeConfig vae, ClipTextConfig text, int tokens) {

  /**
   * Stable Diffusion 1.5 (runwayml/stable-diffusion-v1-5): the UNet and autoencoder configs bundled
   * with the bench, and CLIP ViT-L/14's text tower (transformers' openai/clip-vit-large-patch14
   * text_config: 12 layers of width 768, 12 heads, MLP 3072, quick_gelu, 77 positions).
   */
  public static ModelShape sd15() {
    return new ModelShape(
        "sd15",
        UNetBenchmark.sd15Config(),
        PreviewBenchmark.sd15VaeConfig(),
        new ClipTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5),
        77);
  }

  /** The shape of the diffusers-layout pack in {@code folder} (its three config.json files). */
  public static ModelShape ofPack(String name, Path folder) {
    ClipTextConfig text = ClipTextConfig.fromJson(json(folder.resolve("text_encoder/config.json")));
    return new ModelShape(
        name,
        UNetConfig.fromJson(json(folder.resolve("unet/config.json"))),
        VaeConfig.fromJson(json(folder.resolve("vae/config.json"))),
        text,
        text.maxPositionEmbeddings());
  }

  private static JsonObject json(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
