package dev.stepwise.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.engine.TestPacks;
import dev.stepwise.metadata.GenerationParameters;
import dev.stepwise.metadata.InfoText;
import dev.stepwise.metadata.PngText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void versionIsPrinted() {
    Run r = cli("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("Stepwise "), r.out());
  }

  @Test
  void generateWritesPngsWithA1111ParametersAndFrames() throws Exception {
    Path out = dir.resolve("img.png");
    Path frames = dir.resolve("frames");
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a red heart emoji",
            "--negative",
            "blue",
            "--steps",
            "3",
            "--guidance",
            "7.5",
            "--seed",
            "42",
            "--sampler",
            "dpmpp_2m",
            "--karras",
            "--batch",
            "2",
            "--frames",
            frames.toString(),
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    // stderr is no terminal here: plain progress, one line per image and nothing else
    java.util.List<String> progress = r.err().lines().toList();
    assertEquals(2, progress.size(), r.err());
    assertTrue(progress.get(0).matches("image 1 of 2: 3 steps in [0-9.]+ s .*left"), r.err());
    assertTrue(progress.get(1).matches("image 2 of 2: 3 steps in [0-9.]+ s \\(.*\\)"), r.err());
    Path first = dir.resolve("img-0.png");
    Path second = dir.resolve("img-1.png");
    assertTrue(Files.isRegularFile(first) && Files.isRegularFile(second), r.out());
    Map<String, String> text = PngText.read(second);
    GenerationParameters p = InfoText.parse(text.get("parameters"));
    assertEquals("a red heart emoji", p.prompt());
    assertEquals("blue", p.negativePrompt());
    assertEquals(3, p.steps());
    assertEquals("DPM++ 2M", p.sampler());
    assertEquals("Karras", p.scheduleType());
    assertEquals(7.5, p.guidance());
    assertEquals(43, p.seed(), "image 1 uses seed + 1");
    assertEquals(10, p.modelHash().length());
    assertTrue(
        text.get("parameters").contains("Sampler: DPM++ 2M, Schedule type: Karras"),
        text.get("parameters"));
    try (Stream<Path> s = Files.list(frames)) {
      assertEquals(6, s.count(), "one frame per step per image");
    }
  }

  @Test
  void clipSkipVaeAndEmbeddingsAreRecordedAsA1111WritesThem() throws Exception {
    Path out = dir.resolve("ti.png");
    Path vae = Files.createDirectories(dir.resolve("my-vae"));
    for (String f : new String[] {"config.json", "diffusion_pytorch_model.safetensors"}) {
      Files.copy(TestPacks.tinySd().resolve("vae").resolve(f), vae.resolve(f));
    }
    Path emb = Files.createDirectories(dir.resolve("embeddings"));
    new dev.stepwise.engine.weights.SafetensorsWriter()
        .putF32("emb_params", new long[] {2, 32}, new float[64])
        .write(emb.resolve("zorb.safetensors"));
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a zorb cat",
            "--steps",
            "2",
            "--clip-skip",
            "2",
            "--vae",
            vae.toString(),
            "--embeddings-dir",
            emb.toString(),
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    Map<String, String> text = PngText.read(out);
    String params = text.get("parameters");
    String vaeHash =
        dev.stepwise.engine.pack.ModelHashes.sha256Hex(
                vae.resolve("diffusion_pytorch_model.safetensors"))
            .substring(0, 10);
    String tiHash =
        dev.stepwise.engine.pack.ModelHashes.sha256Hex(emb.resolve("zorb.safetensors"))
            .substring(0, 12);
    assertTrue(
        params.contains(
            ", VAE hash: "
                + vaeHash
                + ", VAE: my-vae, Clip skip: 2, TI hashes: \"zorb: "
                + tiHash
                + "\""),
        params);
    GenerationParameters p = InfoText.parse(params);
    assertEquals("2", p.extras().get("Clip skip"));
    assertEquals("zorb: " + tiHash, p.extras().get("TI hashes"));
    dev.stepwise.gallery.Recipe recipe =
        dev.stepwise.gallery.RecipeJson.read(text.get(dev.stepwise.gallery.RecipeJson.KEYWORD));
    assertEquals(2, recipe.clipSkip());
    assertEquals("my-vae", recipe.vae());
  }

  @Tag("hostile")
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--steps|0|steps|2",
        "--guidance|NaN|guidance|2",
        "--guidance|-1|guidance|2",
        "--width|102|multiple of|1",
        "--sampler|heun|heun|2",
        "--batch|0|batch|2",
        "--steps|abc|abc|2",
        "--clip-skip|0|clip skip|2",
        "--clip-skip|13|clip skip|2",
        "--clip-skip|3|clip skip 3|1",
        "--vae|nowhere.safetensors|--vae|2",
        "--weights|half|stored or float32|2",
      })
  void badInputExitsNonZeroWithOneLineOnStderr(
      String option, String value, String expected, int exitCode) {
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "x",
            option,
            value,
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(
        exitCode, r.code(), "2 for a value not allowed, 1 for what only the model refuses");
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().toLowerCase().contains(expected.toLowerCase()), r.err());
    assertFalse(Files.exists(dir.resolve("x.png")), "nothing written");
  }

  @Tag("hostile")
  @Test
  void missingModelAndBadPackFilesAreOneLine() throws Exception {
    Run r =
        cli(
            "generate",
            "--model",
            dir.resolve("nope").toString(),
            "--prompt",
            "x",
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("nope"), r.err());
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("model_index.json"), "{}");
    r =
        cli(
            "generate",
            "--model",
            broken.toString(),
            "--prompt",
            "x",
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }

  @Test
  void framesAreAtTheOutputSizeAndEndOnTheSavedImage() throws Exception {
    Path out = dir.resolve("one.png");
    Path frames = dir.resolve("f");
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a red heart emoji",
            "--steps",
            "3",
            "--seed",
            "5",
            "--preview",
            "full",
            "--frames",
            frames.toString(),
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    java.awt.image.BufferedImage last =
        javax.imageio.ImageIO.read(frames.resolve("image0-step003.png").toFile());
    java.awt.image.BufferedImage saved = javax.imageio.ImageIO.read(out.toFile());
    java.awt.image.BufferedImage first =
        javax.imageio.ImageIO.read(frames.resolve("image0-step001.png").toFile());
    assertEquals(saved.getWidth(), first.getWidth(), "frames come at the output size");
    for (int y = 0; y < saved.getHeight(); y++) {
      for (int x = 0; x < saved.getWidth(); x++) {
        assertEquals(saved.getRGB(x, y), last.getRGB(x, y), "the last frame is the saved image");
      }
    }
  }

  @Tag("hostile")
  @Test
  void anUnwritableFramesFolderIsRefusedBeforeAnyWork() throws Exception {
    Path inTheWay = Files.writeString(dir.resolve("a-file"), "not a folder");
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "x",
            "--steps",
            "2",
            "--frames",
            inTheWay.resolve("frames").toString(),
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("--frames") && r.err().contains("a-file"), r.err());
    assertFalse(Files.exists(dir.resolve("x.png")), "nothing generated");
  }

  @Tag("hostile")
  @ParameterizedTest
  @CsvSource({"'(.*a){12}b', a, 40", "'(?:a|b)*c', ab, 20000"})
  void aCraftedTokenizerPatternEndsGenerateWithOneSentence(String regex, String unit, int times) {
    // Issue 20: the first backtracks for minutes, the second overflows the sampler's stack;
    // neither may hang the command. The timeout only guards against a hang.
    Path pack = TestPacks.tinySdWithSplit(dir.resolve("evil"), regex);
    Run r =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(120),
            () ->
                cli(
                    "generate",
                    "--model",
                    pack.toString(),
                    "--prompt",
                    unit.repeat(times),
                    "--steps",
                    "2",
                    "--out",
                    dir.resolve("x.png").toString()));
    assertEquals(1, r.code(), r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(
        r.err().startsWith("stepwise: The tokenizer's Split pattern \"" + regex + "\" in "),
        r.err());
    assertTrue(r.err().contains("is too costly for this prompt"), r.err());
    assertTrue(r.err().strip().endsWith("."), r.err());
    assertFalse(Files.exists(dir.resolve("x.png")), "nothing generated");
  }

  @Test
  void aBadPreviewMethodIsOneLine() {
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "x",
            "--preview",
            "fancy",
            "--frames",
            dir.resolve("f").toString(),
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertTrue(
        r.err().contains("auto, tiny, full, cheap or off") && r.err().contains("fancy"), r.err());
  }

  @Tag("hostile")
  @Test
  void textNoPromptCanHoldIsRefusedBeforeAnyWork() {
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a red\0heart",
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("NUL") && r.err().contains("--prompt"), r.err());
    r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "x",
            "--negative",
            "y".repeat(GenerateCommand.MAX_TEXT_CHARS + 1),
            "--out",
            dir.resolve("x.png").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--negative") && r.err().contains("characters long"), r.err());
    assertFalse(Files.exists(dir.resolve("x.png")));
  }

  @Tag("hostile")
  @Test
  void eachImageIsSavedWhenItIsDoneAndAFailureKeepsTheOnesBefore() throws Exception {
    Path out = dir.resolve("b.png");
    Files.createDirectories(dir.resolve("b-1.png")); // image 1 cannot be written: a folder is there
    Run r =
        cli(
            "generate",
            "--model",
            TestPacks.tinySd().toString(),
            "--prompt",
            "a red heart emoji",
            "--steps",
            "2",
            "--seed",
            "1",
            "--batch",
            "3",
            "--progress",
            "none",
            "--out",
            out.toString());
    assertEquals(1, r.code(), r.out());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("seed 2") && r.err().contains("generation stopped"), r.err());
    assertTrue(Files.isRegularFile(dir.resolve("b-0.png")), "image 0 was kept");
    assertTrue(r.out().contains("wrote " + dir.resolve("b-0.png")), r.out());
    assertFalse(Files.exists(dir.resolve("b-2.png")), "the run stopped at the failure");
  }
}
