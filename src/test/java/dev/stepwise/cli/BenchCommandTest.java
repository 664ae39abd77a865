package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.vae.AutoencoderTiny;
import dev.stepwise.engine.vae.TinyVaeConfig;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stepwise bench} on the built-in pack only (no SD 1.5 shape): the preview figures of issue
 * 11 are printed, each a positive finite number, and the JSON holds them with the machine's facts.
 * Timings are not checked against targets: this machine's speed varies too much.
 */
class BenchCommandTest {
  @TempDir Path dir;

  private static final Pattern NUMBER = Pattern.compile("[-+]?[0-9]+(\\.[0-9]+)?");

  @Test
  void builtInPackFiguresArePrintedAndInTheJson() throws Exception {
    Path decoder = smallPreviewDecoder(dir.resolve("decoder"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {
              "bench",
              "--json",
              "--model",
              TestPacks.builtIn().toString(),
              "--no-sd15",
              "--repeat",
              "2",
              "--memory-steps",
              "0",
              "--pack-steps",
              "3",
              "--preview-decoder",
              decoder.toString(),
              "--progress",
              "json"
            },
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    // with --json, stdout holds only the JSON; stderr the text and the progress objects
    String text = err.toString().replaceAll("(?m)^\\{\"event\".*\\R", "");
    System.out.println(text); // the figures, for the build log
    assertEquals(0, code, text);
    progressRunsIncreaseAndEachFigureEnds(err.toString());
    assertTrue(text.contains("Every figure: the median of timed runs"), text);
    JsonObject o = BenchJsonTest.onlyObject(out.toString());
    for (String key :
        new String[] {"pack_guided_step_ms", "pack_step_with_cheap_preview_ms", "pack_image_ms"}) {
      BenchJsonTest.figure(o, key, 2);
    }
    BenchJsonTest.figure(o, "pack_first_frame_ms", 3);
    BenchJsonTest.figure(o, "pack_decode_ms", 3);
    assertTrue(
        BenchJsonTest.number(o, "cores") >= 1 && BenchJsonTest.number(o, "ref_conv_gflops") > 0);
    assertEquals(2, BenchJsonTest.number(o, "opt_repeat"));
    assertEquals(false, o.get("opt_sd15").getAsBoolean());
    for (String key : new String[] {"java_version", "stepwise_version", "device", "time_utc"}) {
      assertTrue(!o.get(key).getAsString().isBlank(), key);
    }
    if (o.has("memory_total_mb")) { // Linux
      assertTrue(
          BenchJsonTest.number(o, "peak_rss_mb") >= BenchJsonTest.number(o, "pack_peak_rss_mb"));
      assertTrue(o.has("cpu_model"));
    }
    assertTrue(!o.has("commit"), "the build records no commit, so none is guessed");

    double step = number(text, "guided step [^:]*: ([0-9.]+) ms");
    assertTrue(step > 0, text);
    double tiny = previewMs(text, "  tiny (" + decoder);
    double half = previewMs(text, "  tiny half, 8x8 pooled -> 64x64 -> smooth 128x128");
    double full = previewMs(text, "  full, the pack's autoencoder, 128x128");
    double cheap = previewMs(text, "  cheap, projection + smooth 128x128");
    for (double v : new double[] {tiny, half, full, cheap}) {
      assertTrue(v > 0 && Double.isFinite(v), text);
    }
    double warm =
        number(
            text,
            "Generate to first decoded frame \\(SamplingService, preview auto, model loaded\\):"
                + " ([0-9.]+) ms, made by tiny decoder \\(median of 3 jobs");
    double cold =
        number(
            text,
            "Generate to first decoded frame, cold \\([^\\n"
                + "]*\\): ([0-9.]+) ms, made by tiny decoder");
    assertTrue(warm > 0 && cold > 0, text);
  }

  /**
   * {@code --progress json}: within each figure the runs count up, warm-ups first, each with the
   * time left at most the last's and 0 at the end; a figure event then closes it with all its runs.
   */
  private static void progressRunsIncreaseAndEachFigureEnds(String err) {
    List<String> figures = new ArrayList<>();
    List<JsonObject> runs = new ArrayList<>();
    for (String line : err.split("\\R")) {
      if (!line.startsWith("{\"event\"")) {
        continue;
      }
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      if (o.get("event").getAsString().equals("run")) {
        runs.add(o);
        continue;
      }
      assertEquals("figure", o.get("event").getAsString(), line);
      int warmups = o.get("warmups").getAsInt();
      int all = o.get("runs").getAsInt();
      assertEquals(warmups + all, runs.size(), line);
      assertEquals(warmups + all, o.get("done").getAsInt(), line);
      for (int i = 0; i < runs.size(); i++) {
        JsonObject r = runs.get(i);
        assertEquals(o.get("figure"), r.get("figure"), r.toString());
        assertEquals(i < warmups, r.get("warmup").getAsBoolean(), r.toString());
        assertEquals(i < warmups ? i + 1 : i + 1 - warmups, r.get("run").getAsInt(), r.toString());
        assertEquals(i < warmups ? warmups : all, r.get("runs").getAsInt(), r.toString());
        assertTrue(
            i == 0
                || r.get("elapsed_ms").getAsLong() >= runs.get(i - 1).get("elapsed_ms").getAsLong(),
            r.toString());
      }
      assertEquals(0, runs.get(runs.size() - 1).get("eta_ms").getAsLong(), line);
      figures.add(o.get("figure").getAsString());
      runs.clear();
    }
    assertTrue(runs.isEmpty(), "every run's figure ends: " + runs);
    for (String figure :
        new String[] {
          "reference conv",
          "small pack: to first decoded frame",
          "small pack: step, previews off + cheap",
          "small pack: one 3-step image",
          "small pack: preview, tiny frame",
          "small pack: preview, cheap frame",
          "small pack: preview cost in a run"
        }) {
      assertTrue(figures.contains(figure), figure + " not in " + figures);
    }
  }

  @Test
  void helpListsTheNewOptions() {
    StringWriter out = new StringWriter();
    int code =
        Main.run(
            new String[] {"bench", "--help"},
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true));
    assertEquals(0, code);
    for (String option :
        new String[] {
          "--[no-]sd15-vae",
          "--preview-latent",
          "--preview-decoder",
          "--pack-steps",
          "--json",
          "--profile",
          "--checkpoint",
          "--size",
          "--steps",
          "--[no-]pack",
          "--progress"
        }) {
      assertTrue(out.toString().contains(option), out.toString());
    }
  }

  /** " label...: 1.23 ms = 4.5% of a guided step (median of ...)": the ms, checking the % too. */
  private static double previewMs(String text, String labelStart) {
    for (String line : text.split("\\R")) {
      if (line.startsWith(labelStart)) {
        Matcher m =
            Pattern.compile(": ([0-9.]+) ms = ([0-9.]+)% of a guided step \\(median of [0-9]+")
                .matcher(line);
        assertTrue(m.find(), line);
        double pct = Double.parseDouble(m.group(2));
        assertTrue(pct >= 0 && Double.isFinite(pct), line);
        return Double.parseDouble(m.group(1));
      }
    }
    throw new AssertionError("no line starts with \"" + labelStart + "\":\n" + text);
  }

  private static double number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), regex + " not in:\n" + text);
    assertTrue(NUMBER.matcher(m.group(1)).matches(), m.group(0));
    return Double.parseDouble(m.group(1));
  }

  /**
   * A diffusers AutoencoderTiny folder with random weights: 4 stages of 16 channels, one block
   * each, so a 16x16 latent decodes to 128x128 in milliseconds.
   */
  private static Path smallPreviewDecoder(Path folder) throws Exception {
    TinyVaeConfig config =
        new TinyVaeConfig(
            4,
            3,
            new int[] {16, 16, 16, 16},
            new int[] {1, 1, 1, 1},
            2,
            "nearest",
            "relu",
            1.0,
            OptionalDouble.empty());
    RandomWeights shapes = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      new AutoencoderTiny(config, Parameters.random(shapes, m));
    }
    SafetensorsWriter w = new SafetensorsWriter();
    SplittableRandom random = new SplittableRandom(11);
    for (Map.Entry<String, long[]> e : shapes.requested().entrySet()) {
      float[] v = new float[Math.toIntExact(new Shape(e.getValue()).size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (random.nextGaussian() * 0.1);
      }
      w.putF32(e.getKey(), e.getValue(), v);
    }
    Files.createDirectories(folder);
    w.write(folder.resolve("diffusion_pytorch_model.safetensors"));
    Files.writeString(
        folder.resolve("config.json"),
        "{\"_class_name\": \"AutoencoderTiny\", \"latent_channels\": 4,"
            + " \"decoder_block_out_channels\": [16, 16, 16, 16], \"num_decoder_blocks\": [1, 1, 1,"
            + " 1]}");
    return folder;
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "--repeat|-1|--repeat",
        "--repeat|0|--repeat",
        "--latents|0|--latents",
        "--latents|-8|--latents",
        "--latents|100000|--latents",
        "--pack-steps|0|--pack-steps",
        "--memory-steps|-3|--memory-steps",
        "--preview-latent|-1|--preview-latent",
        "--size|512|--checkpoint",
        "--steps|20|--checkpoint",
        "--checkpoint|no-such-model.safetensors|no-such-model.safetensors",
        "--model|no-such-pack|no-such-pack",
        "--progress|fancy|--progress"
      })
  void badOptionsAreOneSentenceAndExitCode2(String option, String value, String named) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code =
        Main.run(
            new String[] {"bench", "--no-sd15", "--json", option, value},
            new java.io.PrintWriter(out, true),
            new java.io.PrintWriter(err, true));
    assertEquals(2, code, err.toString());
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    String line = err.toString().strip();
    assertTrue(line.startsWith("stepwise: ") && line.endsWith("."), line);
    assertTrue(line.contains(named) && line.contains(value), line);
    assertEquals("", out.toString(), "refused before any measuring");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {"--size|4|--size", "--size|4096|--size", "--steps|2|--steps"})
  void badCheckpointOptionsAreOneSentence(String option, String value, String named) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {"bench", "--checkpoint", TestPacks.tinySd().toString(), option, value},
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(2, code, err.toString());
    String line = err.toString().strip();
    assertEquals(1, line.lines().count(), line);
    assertTrue(line.contains(named) && line.contains(value) && line.endsWith("."), line);
    assertEquals("", out.toString());
  }
}
