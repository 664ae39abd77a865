package dev.stepwise.engine;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A Stable Diffusion XL base-shaped single-file checkpoint (fp16, Stability AI's names: {@code
 * model.diffusion_model}, {@code first_stage_model}, {@code conditioner.embedders.0/1}; 3.5 billion
 * parameters, 6.9 GB) written as a sparse file: the header and a seek, so its weights read as zeros
 * and it costs a few hundred kilobytes of disk. Every layer runs at full size (dense kernels do not
 * skip zeros), so loading, memory and time are those of a real SDXL file; the picture is flat. For
 * the tests and the manual figures:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:target/lib/*" dev.stepwise.engine.SdxlCheckpoint
 *     /tmp/sdxl-zero.safetensors
 * java -jar target/stepwise.jar bench --model /tmp/sdxl-zero.safetensors --latents 128 --repeat 1
 * </pre>
 */
public final class SdxlCheckpoint {
  private SdxlCheckpoint() {}

  /** OpenCLIP ViT-bigG/14 as transformers' CLIPTextModelWithProjection (text_encoder_2). */
  static final String BIG_G_CONFIG =
      "{\"architectures\": [\"CLIPTextModelWithProjection\"], \"vocab_size\": 49408,"
          + " \"hidden_size\": 1280, \"intermediate_size\": 5120, \"num_hidden_layers\": 32,"
          + " \"num_attention_heads\": 20, \"projection_dim\": 1280, \"hidden_act\": \"gelu\"}";

  private static JsonObject json(String s) {
    return JsonParser.parseString(s).getAsJsonObject();
  }

  private static RandomWeights shapes(Consumer<Parameters> build) {
    RandomWeights w = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      build.accept(Parameters.random(w, m));
    }
    return w;
  }

  /**
   * The diffusers shapes each network asks for, nothing allocated: {@code unet}, {@code vae},
   * {@code text} (CLIP ViT-L) and {@code text2} (OpenCLIP bigG with projection).
   */
  public static Map<String, RandomWeights> shapes() {
    UNetConfig unet = UNetConfig.fromJson(json(FullSizeArchitectureTest.SDXL_UNET));
    VaeConfig vae = VaeConfig.fromJson(json(Sd15Checkpoint.VAE_CONFIG));
    ClipTextConfig clip = ClipTextConfig.fromJson(json(Sd15Checkpoint.CLIP_CONFIG));
    ClipTextConfig bigG = ClipTextConfig.fromJson(json(BIG_G_CONFIG));
    return Map.of(
        "unet", shapes(p -> new UNet2DConditionModel(unet, p)),
        "vae", shapes(p -> new AutoencoderKL(vae, p)),
        "text", shapes(p -> new ClipTextModel(clip, p)),
        "text2", shapes(p -> new ClipTextModel(bigG, p)));
  }

  /** Writes the sparse checkpoint to {@code file}; returns the shapes it holds per component. */
  public static Map<String, RandomWeights> write(Path file) throws IOException {
    Map<String, RandomWeights> s = shapes();
    LdmTestCheckpoints.writeSparse(
        LdmTestCheckpoints.toSdxlLdm(
            tensors(s.get("unet")),
            json("{\"layers_per_block\": 2}"),
            tensors(s.get("vae")),
            4,
            tensors(s.get("text")),
            tensors(s.get("text2"))),
        file);
    return s;
  }

  private static Map<String, Tensor> tensors(RandomWeights w) {
    Map<String, Tensor> out = new TreeMap<>();
    w.requested().forEach((k, s) -> out.put(k, new Tensor(s, null)));
    return out;
  }

  /** Writes the checkpoint to the path given as the only argument. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: SdxlCheckpoint FILE.safetensors");
      System.exit(2);
    }
    write(Path.of(args[0]));
    System.out.println("wrote " + args[0]);
  }
}
