package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.bench.ModelShape;
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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench's JSON figures at toy sizes: the SD 1.5-shape path on a tiny pack's shape (the step
 * never above the peak of its own layers, the profile adding up to the measured step) and {@code
 * --checkpoint} on a small single-file checkpoint. No timing is checked against a target.
 */
class BenchJsonTest {
  @TempDir Path dir;

  /** The only line of {@code out}, parsed; every value a JSON primitive (flat keys). */
  static JsonObject onlyObject(String out) {
    assertEquals(1, out.strip().lines().count(), out);
    JsonObject o = JsonParser.parseString(out).getAsJsonObject();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      assertTrue(e.getValue().isJsonPrimitive() && e.getKey().matches("[a-z0-9_]+"), e.getKey());
    }
    return o;
  }

  static double number(JsonObject o, String key) {
    assertTrue(o.has(key) && o.get(key).getAsJsonPrimitive().isNumber(), key + " in " + o);
    return o.get(key).getAsDouble();
  }

  /** A timed figure: positive, with its min, max and sample count around the median. */
  static double figure(JsonObject o, String key, int samples) {
    double median = number(o, key);
    double min = number(o, key + "_min");
    double max = number(o, key + "_max");
    assertTrue(median > 0 && min <= median && median <= max, key + ": " + min + " " + max);
    assertEquals(samples, number(o, key + "_samples"), key);
    return median;
  }

  @Test
  void aTinyShapeStaysUnderItsPeakAndItsProfileAddsUp() {
    BenchCommand c = new BenchCommand();
    c.latents = new int[] {8};
    c.repeat = 2;
    c.sd15Vae = true;
    c.profile = true;
    c.previewLatent = 8;
    StringWriter text = new StringWriter();
    BenchReport r = new BenchReport(new PrintWriter(text, true));
    c.shape(r, Device.cpu(), ModelShape.ofPack("tiny", TestPacks.tinySd2()));
    System.out.println(text);
    JsonObject o = r.json();
    double step = figure(o, "tiny_guided_step_ms_8", 2);
    double decode = figure(o, "tiny_decode_ms_8", 2);
    figure(o, "tiny_text_encode_ms", 2);
    figure(o, "tiny_preview_tiny_ms_8", 3);
    double achieved = number(o, "tiny_guided_step_gflops_8");
    assertTrue(achieved <= number(o, "tiny_peak_gflops_8"), o.toString());
    assertTrue(number(o, "tiny_guided_step_pct_of_peak_8") <= 100);
    assertTrue(!text.toString().contains("WARNING"), text.toString());
    assertEquals(step, sum(o, "tiny_unet_type_"), 1e-5 * step);
    assertEquals(decode, sum(o, "tiny_decode_type_"), 1e-5 * decode);
    assertTrue(number(o, "tiny_unet_block_mid_ms_8") > 0);
    assertTrue(number(o, "tiny_decode_block_up1_ms_8") > 0);
    assertEquals("down1", Sd15ShapeBench.blockKey("down 1 (32x32)"));
    assertEquals("time_embedding", Sd15ShapeBench.blockKey("time embedding"));
  }

  /** The sum of the keys with {@code prefix}: five timed types and other. */
  private static double sum(JsonObject o, String prefix) {
    var keys = o.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    assertEquals(6, keys.size(), keys.toString());
    return keys.stream().mapToDouble(k -> number(o, k)).sum();
  }

  @Test
  void checkpointRunsEndToEndOnASingleFile() {
    Path file = miniCheckpoint(dir.resolve("mini-sd1.safetensors"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = {
      "bench",
      "--json",
      "--checkpoint",
      file.toString(),
      "--size",
      "32",
      "--steps",
      "4",
      "--repeat",
      "2"
    };
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    System.out.println(err);
    assertEquals(0, code, err.toString());
    JsonObject o = onlyObject(out.toString());
    assertEquals("mini-sd1.safetensors", o.get("checkpoint_file").getAsString());
    assertEquals(32, number(o, "opt_size"));
    assertEquals(4, number(o, "opt_steps"));
    double image = figure(o, "checkpoint_image_ms", 2);
    assertTrue(figure(o, "checkpoint_guided_step_ms", 2) < image, "a step is part of the image");
    figure(o, "checkpoint_text_encode_ms", 2);
    figure(o, "checkpoint_decode_ms", 2);
    assertTrue(number(o, "checkpoint_load_ms") > 0);
    assertTrue(!o.has("sd15_guided_step_ms_64"), "--checkpoint measures only the checkpoint");
  }

  /**
   * A small SD 1.x checkpoint that opens as a downloaded one does (no overrides): CLIP's 49,408
   * tokens on a 64-wide, 2-layer text encoder, a 2-level UNet of 32 and 64 channels with 8 heads
   * and a 2-level autoencoder, all with 32 norm groups. The writer fills the values.
   */
  static Path miniCheckpoint(Path file) {
    JsonObject unet =
        JsonParser.parseString(
                "{\"block_out_channels\": [32, 64], \"down_block_types\":"
                    + " [\"CrossAttnDownBlock2D\", \"DownBlock2D\"], \"up_block_types\":"
                    + " [\"UpBlock2D\", \"CrossAttnUpBlock2D\"], \"layers_per_block\": 1,"
                    + " \"cross_attention_dim\": 64}")
            .getAsJsonObject();
    String vae =
        "{\"block_out_channels\": [32, 32], \"layers_per_block\": 1, \"down_block_types\":"
            + " [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\":"
            + " [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}";
    RandomWeights[] w = {
      RandomWeights.shapesOnly(), RandomWeights.shapesOnly(), RandomWeights.shapesOnly()
    };
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      new UNet2DConditionModel(UNetConfig.fromJson(unet), Parameters.random(w[0], m));
      new AutoencoderKL(
          VaeConfig.fromJson(JsonParser.parseString(vae).getAsJsonObject()),
          Parameters.random(w[1], m));
      new ClipTextModel(
          new ClipTextConfig(49408, 64, 128, 2, 1, 77, "quick_gelu", 1e-5),
          Parameters.random(w[2], m));
    }
    java.util.List<Map<String, Tensor>> t = new java.util.ArrayList<>();
    for (RandomWeights r : w) {
      Map<String, Tensor> shapes = new TreeMap<>();
      r.requested().forEach((k, shape) -> shapes.put(k, new Tensor(shape, null)));
      t.add(shapes);
    }
    LdmTestCheckpoints.write(
        LdmTestCheckpoints.toLdm(t.get(0), unet, t.get(1), 2, t.get(2), false), file, true);
    return file;
  }
}
