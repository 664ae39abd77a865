package dev.stepwise.engine.pack;

import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a complete, tiny diffusers-layout folder with dummy tensors. */
final class TinyPack {
  static final String MODEL_INDEX =
      "{\n  \"_class_name\": \"StableDiffusionPipeline\",\n  \"_diffusers_version\": \"0.6.0\",\n"
          + "  \"feature_extractor\": [\"transformers\", \"CLIPImageProcessor\"],\n"
          + "  \"requires_safety_checker\": true,\n"
          + "  \"safety_checker\": [\"stable_diffusion\", \"StableDiffusionSafetyChecker\"],\n"
          + "  \"scheduler\": [\"diffusers\", \"PNDMScheduler\"],\n"
          + "  \"text_encoder\": [\"transformers\", \"CLIPTextModel\"],\n"
          + "  \"tokenizer\": [\"transformers\", \"CLIPTokenizer\"],\n"
          + "  \"unet\": [\"diffusers\", \"UNet2DConditionModel\"],\n"
          + "  \"vae\": [\"diffusers\", \"AutoencoderKL\"]\n}\n";

  private TinyPack() {}

  /** A complete pack at {@code root} whose tokenizer is a tokenizer.json. */
  static Path create(Path root) throws IOException {
    Files.createDirectories(root);
    write(root, "model_index.json", MODEL_INDEX);
    write(
        root,
        "unet/config.json",
        "{\"_class_name\": \"UNet2DConditionModel\", \"in_channels\": 4, \"sample_size\": 8}");
    write(
        root,
        "vae/config.json",
        "{\"_class_name\": \"AutoencoderKL\", \"latent_channels\": 4, \"scaling_factor\":"
            + " 0.18215}");
    write(root, "text_encoder/config.json", "{\"hidden_size\": 8, \"num_hidden_layers\": 1}");
    write(
        root,
        "scheduler/scheduler_config.json",
        "{\"_class_name\": \"PNDMScheduler\", \"num_train_timesteps\": 1000}");
    write(root, "tokenizer/tokenizer.json", "{\"model\": {\"type\": \"BPE\"}}");
    new SafetensorsWriter()
        .putF32("conv_in.weight", new long[] {2, 4, 1, 1}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
        .putF16("conv_in.bias", new long[] {2}, new float[] {0.5f, -0.25f})
        .write(root.resolve("unet/diffusion_pytorch_model.safetensors"));
    new SafetensorsWriter()
        .putF32("decoder.conv_out.bias", new long[] {3}, new float[] {0.1f, 0.2f, 0.3f})
        .write(root.resolve("vae/diffusion_pytorch_model.safetensors"));
    new SafetensorsWriter()
        .putBf16("text_model.final_layer_norm.weight", new long[] {2}, new float[] {1, -1})
        .write(root.resolve("text_encoder/model.safetensors"));
    return root;
  }

  static void write(Path root, String relative, String text) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }
}
