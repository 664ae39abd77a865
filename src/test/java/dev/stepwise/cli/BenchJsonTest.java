package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stepwise bench --json} and the figures behind it at toy sizes: one flat JSON object on
 * stdout whose figures are numbers with min <= median <= max; the SD 1.5-shape path run on a tiny
 * pack's shape (the step never above the peak of its own layers, the profile adding up to the
 * measured step); and {@code --checkpoint} on a small single-file checkpoint. No timing is checked
 * against a target.
 */
class BenchJsonTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run bench(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "bench";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    System.out.println(err); // the text, for the build log
    return new Run(code, out.toString(), err.toString());
  }

  /** The only line of stdout, parsed; every value a JSON primitive (flat keys). */
  private static JsonObject onlyObject(Run run) {
    assertEquals(0, run.code(), run.err());
    assertEquals(1, run.out().strip().lines().count(), run.out());
    JsonObject o = JsonParser.parseString(run.out()).getAsJsonObject();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      assertTrue(e.getValue().isJsonPrimitive(), e.getKey() + " is not flat");
      assertTrue(e.getKey().matches("[a-z0-9_]+"), e.getKey());
    }
    return o;
  }

  private static double number(JsonObject o, String key) {
    assertTrue(o.has(key), key + " missing from " + o.keySet());
    assertTrue(o.get(key).getAsJsonPrimitive().isNumber(), key + " = " + o.get(key));
    double v = o.get(key).getAsDouble();
    assertTrue(Double.isFinite(v), key);
    return v;
  }

  /** A timed figure: positive, with its min, max and sample count around the median. */
  private static double figure(JsonObject o, String key, int samples) {
    double median = number(o, key);
    double min = number(o, key + "_min");
    double max = number(o, key + "_max");
    assertTrue(median > 0 && min <= median && median <= max, key + ": " + min + " " + max);
    assertEquals(samples, number(o, key + "_samples"), key);
    return median;
  }

  @Test
  void jsonIsOneFlatObjectOnStdout() {
    JsonObject o =
        onlyObject(
            bench(
                "--json",
                "--no-sd15",
                "--model",
                TestPacks.builtIn().toString(),
                "--repeat",
                "2",
                "--memory-steps",
                "0",
                "--pack-steps",
                "3"));
    for (String key :
        List.of(
            "pack_guided_step_ms",
            "pack_step_with_cheap_preview_ms",
            "pack_decode_ms",
            "pack_image_ms")) {
      figure(o, key, key.equals("pack_decode_ms") ? 3 : 2);
    }
    figure(o, "pack_first_frame_ms", 3);
    assertTrue(number(o, "cores") >= 1);
    assertTrue(number(o, "ref_conv_gflops") > 0);
    assertEquals(2, number(o, "opt_repeat"));
    assertFalse(o.get("opt_sd15").getAsBoolean());
    assertEquals("3", o.get("opt_pack_steps").getAsString());
    for (String s : List.of("java_version", "stepwise_version", "device", "time_utc")) {
      assertFalse(o.get(s).getAsString().isBlank(), s);
    }
    if (o.has("memory_total_mb")) { // Linux
      assertTrue(number(o, "peak_rss_mb") >= number(o, "pack_peak_rss_mb"));
      assertTrue(o.has("cpu_model"));
    }
    assertFalse(o.has("commit"), "the build records no commit, so none is guessed");
  }

  @Test
  void shapeFiguresOfATinyModelStayUnderTheirPeakAndTheProfileAddsUp() {
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
    double peak = number(o, "tiny_peak_gflops_8");
    assertTrue(achieved <= peak, achieved + " GFLOP/s above the peak " + peak);
    assertTrue(number(o, "tiny_guided_step_pct_of_peak_8") <= 100);
    assertFalse(text.toString().contains("WARNING"), text.toString());
    assertEquals(step, sum(o, "tiny_unet_type_"), 1e-6 * step);
    assertEquals(decode, sum(o, "tiny_decode_type_"), 1e-6 * decode);
    assertTrue(number(o, "tiny_unet_block_mid_ms_8") > 0);
    assertTrue(number(o, "tiny_decode_block_up1_ms_8") > 0);
    assertTrue(number(o, "tiny_unet_type_conv_ms_8") > 0);
    if (o.has("tiny_guided_step_peak_rss_mb_8")) {
      assertTrue(number(o, "tiny_guided_step_peak_rss_mb_8") > 0);
    }
  }

  private static double sum(JsonObject o, String prefix) {
    double s = 0;
    int n = 0;
    for (String k : o.keySet()) {
      if (k.startsWith(prefix)) {
        s += number(o, k);
        n++;
      }
    }
    assertEquals(6, n, "five timed types and other: " + o.keySet());
    return s;
  }

  @Test
  void blockKeysAreShort() {
    assertEquals("down1", Sd15ShapeBench.blockKey("down 1 (32x32)"));
    assertEquals("time_embedding", Sd15ShapeBench.blockKey("time embedding"));
    assertEquals("conv_out", Sd15ShapeBench.blockKey("conv_out (512x512)"));
  }

  @Test
  void checkpointRunsEndToEndOnASingleFile() throws Exception {
    Path file = miniCheckpoint(dir.resolve("mini-sd1.safetensors"));
    JsonObject o =
        onlyObject(
            bench(
                "--checkpoint",
                file.toString(),
                "--size",
                "32",
                "--steps",
                "4",
                "--repeat",
                "2",
                "--json"));
    assertEquals("mini-sd1.safetensors", o.get("checkpoint_file").getAsString());
    assertEquals(32, number(o, "checkpoint_size"));
    assertEquals(4, number(o, "checkpoint_steps"));
    double image = figure(o, "checkpoint_image_ms", 2);
    double step = figure(o, "checkpoint_guided_step_ms", 2);
    figure(o, "checkpoint_text_encode_ms", 2);
    figure(o, "checkpoint_decode_ms", 2);
    assertTrue(step < image, "a step is part of the image");
    assertTrue(number(o, "checkpoint_load_ms") > 0);
    assertFalse(o.has("sd15_guided_step_ms_64"), "--checkpoint measures only the checkpoint");
  }

  /**
   * A small SD 1.x single-file checkpoint that opens as any downloaded one does (no overrides):
   * CLIP's 49,408-token vocabulary on a 64-wide, 2-layer text encoder, a 2-level UNet of 32 and 64
   * channels with 8 heads, and a 2-level autoencoder, all with 32 norm groups.
   */
  static Path miniCheckpoint(Path file) {
    JsonObject unetJson =
        JsonParser.parseString(
                "{\"in_channels\": 4, \"out_channels\": 4, \"block_out_channels\": [32, 64],"
                    + " \"down_block_types\": [\"CrossAttnDownBlock2D\", \"DownBlock2D\"],"
                    + " \"up_block_types\": [\"UpBlock2D\", \"CrossAttnUpBlock2D\"],"
                    + " \"layers_per_block\": 1, \"cross_attention_dim\": 64,"
                    + " \"attention_head_dim\": 8, \"norm_num_groups\": 32}")
            .getAsJsonObject();
    JsonObject vaeJson =
        JsonParser.parseString(
                "{\"block_out_channels\": [32, 32], \"layers_per_block\": 1,"
                    + " \"latent_channels\": 4, \"norm_num_groups\": 32,"
                    + " \"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"],"
                    + " \"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]}")
            .getAsJsonObject();
    RandomWeights unet = RandomWeights.shapesOnly();
    RandomWeights vae = RandomWeights.shapesOnly();
    RandomWeights text = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      new UNet2DConditionModel(UNetConfig.fromJson(unetJson), Parameters.random(unet, m));
      new AutoencoderKL(VaeConfig.fromJson(vaeJson), Parameters.random(vae, m));
      new ClipTextModel(
          new ClipTextConfig(49408, 64, 128, 2, 1, 77, "quick_gelu", 1e-5),
          Parameters.random(text, m));
    }
    Map<String, Tensor> ldm =
        LdmTestCheckpoints.toLdm(tensors(unet), unetJson, tensors(vae), 2, tensors(text), false);
    LdmTestCheckpoints.write(ldm, file, true);
    return file;
  }

  /** Shapes only: the writer fills the values. */
  private static Map<String, Tensor> tensors(RandomWeights w) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    w.requested().forEach((k, shape) -> out.put(k, new Tensor(shape, null)));
    return out;
  }
}
