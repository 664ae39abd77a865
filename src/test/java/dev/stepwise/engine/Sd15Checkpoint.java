package dev.stepwise.engine;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.bench.UNetBenchmark;
import dev.stepwise.engine.clip.ClipTextConfig;
import dev.stepwise.engine.clip.ClipTextModel;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.vae.AutoencoderKL;
import dev.stepwise.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Stable Diffusion 1.5-shaped single-file checkpoint (fp16, LDM key names, 2.1 GB) written as a
 * sparse file: the header and a seek, so its weights read as zeros and it costs a few hundred
 * kilobytes of disk. Every layer still runs at full size, so loading, memory and time are those of
 * a real SD 1.5 file (the picture is a flat grey). For the tests and the manual full-size check:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:target/lib/*" dev.stepwise.engine.Sd15Checkpoint
 *     /tmp/sd15-zero.safetensors
 * java -jar target/stepwise.jar bench --checkpoint /tmp/sd15-zero.safetensors --size 512 --steps 2
 * </pre>
 */
public final class Sd15Checkpoint {
  private Sd15Checkpoint() {}

  /** The autoencoder of SD 1.x (diffusers' vae/config.json of runwayml/stable-diffusion-v1-5). */
  static final String VAE_CONFIG =
      "{\"block_out_channels\": [128, 256, 512, 512], \"layers_per_block\": 2,"
          + " \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\","
          + " \"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\":"
          + " [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\","
          + " \"UpDecoderBlock2D\"]}";

  /** CLIP ViT-L/14's text encoder (text_encoder/config.json of the same pack). */
  static final String CLIP_CONFIG =
      "{\"vocab_size\": 49408, \"hidden_size\": 768, \"intermediate_size\": 3072,"
          + " \"num_hidden_layers\": 12, \"num_attention_heads\": 12}";

  /** The shapes each network asks for, per component: {@code unet}, {@code vae}, {@code text}. */
  public static Map<String, RandomWeights> shapes() {
    RandomWeights unet = RandomWeights.shapesOnly();
    RandomWeights vae = RandomWeights.shapesOnly();
    RandomWeights clip = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      new UNet2DConditionModel(UNetBenchmark.sd15Config(), Parameters.random(unet, m));
      new AutoencoderKL(
          VaeConfig.fromJson(JsonParser.parseString(VAE_CONFIG).getAsJsonObject()),
          Parameters.random(vae, m));
      new ClipTextModel(
          ClipTextConfig.fromJson(JsonParser.parseString(CLIP_CONFIG).getAsJsonObject()),
          Parameters.random(clip, m));
    }
    return Map.of("unet", unet, "vae", vae, "text", clip);
  }

  /** Writes the sparse checkpoint to {@code file}; returns the shapes it holds per component. */
  public static Map<String, RandomWeights> write(Path file) throws IOException {
    Map<String, RandomWeights> s = shapes();
    JsonObject unetJson = JsonParser.parseString("{\"layers_per_block\": 2}").getAsJsonObject();
    Map<String, Tensor> ldm =
        LdmTestCheckpoints.toLdm(
            tensors(s.get("unet")),
            unetJson,
            tensors(s.get("vae")),
            4,
            tensors(s.get("text")),
            false);
    LdmTestCheckpoints.writeSparse(ldm, file);
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
      System.err.println("usage: Sd15Checkpoint FILE.safetensors");
      System.exit(2);
    }
    write(Path.of(args[0]));
    System.out.println("wrote " + args[0]);
  }
}
