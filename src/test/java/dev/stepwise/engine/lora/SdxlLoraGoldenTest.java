package dev.stepwise.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.StepEvent;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.lora.LoraTargets.Part;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.sampling.Latents;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import dev.stepwise.recipe.Sampler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA merged into the tiny-sdxl pack's UNet and both text encoders against PyTorch's merge
 * (golden/sdxl-lora.safetensors, made by models/training/make_sdxl_lora_goldens.py; docs/goldens.md
 * "LoRA on SDXL"): kohya-ss SDXL names ({@code lora_te1_}, {@code lora_te2_}, {@code lora_unet_}
 * with LDM names), the same LoRA with diffusers / PEFT names, removal bit for bit, a generated
 * image, and the other family's LoRA refused.
 */
class SdxlLoraGoldenTest {
  private static final Path GOLDEN = TestPacks.GOLDEN.resolve("sdxl-lora.safetensors");
  private static DiffusionModel model;
  private static SafetensorsFile golden;
  private static Map<String, float[]> lora; // kohya key -> values, from the seeds
  private static Map<String, long[]> shapes;
  private static Map<String, Float> alphas;
  private static Map<String, String> layers; // kohya module -> "<part>/<weight key>"

  @TempDir static Path dir;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.byName("tiny-sdxl"), Device.cpu());
    golden = SafetensorsFile.open(GOLDEN);
    GoldenLora g = GoldenLora.of(golden.metadata());
    lora = g.lora();
    shapes = g.shapes();
    alphas = g.alphas();
    layers = new LinkedHashMap<>();
    JsonObject l = JsonParser.parseString(golden.metadata().get("lora.layers")).getAsJsonObject();
    l.keySet().forEach(key -> layers.put(key, l.get(key).getAsString()));
  }

  @AfterAll
  static void close() {
    if (golden != null) {
      golden.close();
    }
    if (model != null) {
      model.close();
    }
  }

  /** The golden LoRA with kohya-ss SDXL names. */
  private static Path writeKohya(Path folder, String name) {
    return new GoldenLora(lora, shapes, alphas)
        .writeKohya(folder, name, "ss_base_model_version", "sdxl_base_v1-0");
  }

  /**
   * The same LoRA with diffusers / PEFT names: {@code unet.<diffusers module>}, {@code
   * text_encoder.<module>}, {@code text_encoder_2.<module>} with {@code .lora_A.weight} / {@code
   * .lora_B.weight}.
   */
  private static Path writePeft(Path folder, String name) {
    SafetensorsWriter w = new SafetensorsWriter();
    lora.forEach(
        (key, v) -> {
          String module = key.substring(0, key.indexOf('.'));
          String role = key.endsWith("lora_down.weight") ? "lora_A.weight" : "lora_B.weight";
          w.putF32(peft(module) + "." + role, shapes.get(key), v);
        });
    alphas.forEach(
        (key, v) ->
            w.putF32(
                peft(key.substring(0, key.indexOf('.'))) + ".alpha", new long[0], new float[] {v}));
    Path p = folder.resolve(name + ".safetensors");
    w.write(p);
    return p;
  }

  /** {@code text_encoder_2/text_model.x.weight} -> {@code text_encoder_2.text_model.x}. */
  private static String peft(String kohya) {
    String layer = layers.get(kohya);
    return layer.replace('/', '.').substring(0, layer.length() - ".weight".length());
  }

  private static NDArray weightOf(DiffusionModel m, String goldenKey) {
    String part = goldenKey.substring(0, goldenKey.indexOf('/'));
    String key = goldenKey.substring(part.length() + 1);
    Part p =
        switch (part) {
          case "unet" -> Part.UNET;
          case "text_encoder" -> Part.TEXT_ENCODER;
          default -> Part.TEXT_ENCODER_2;
        };
    return m.loraTargets().weight(p, key);
  }

  /**
   * max|java - torch| / max|torch| over every golden layer of {@code m}'s merged weights: the first
   * 4 rows and every row's sum.
   */
  private static double worstMergeError(DiffusionModel m) {
    double worst = 0;
    for (String layer : layers.values()) {
      NDArray w = weightOf(m, layer);
      long out = w.getShape().get(0);
      float[] flat = w.reshape(out, -1).toFloatArray(); // [out, cols]
      int cols = (int) (flat.length / out);
      float[] head = golden.readFloats(layer + ".head"); // [4, cols]
      float[] rowsum = golden.readFloats(layer + ".rowsum"); // [out]
      worst = Math.max(worst, relative(Arrays.copyOf(flat, head.length), head));
      float[] sums = new float[(int) out];
      for (int r = 0; r < out; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
          s += flat[r * cols + c];
        }
        sums[r] = (float) s;
      }
      worst = Math.max(worst, relative(sums, rowsum));
    }
    return worst;
  }

  private static Map<String, int[]> snapshot() {
    Map<String, int[]> out = new LinkedHashMap<>();
    for (String layer : layers.values()) {
      float[] v = weightOf(model, layer).toFloatArray();
      out.put(layer, GoldenLora.bits(v));
    }
    return out;
  }

  private static void assertSame(Map<String, int[]> expected) {
    Map<String, int[]> now = snapshot();
    expected.forEach((k, v) -> assertArrayEquals(v, now.get(k), k + " is restored bit for bit"));
  }

  @Test
  void kohyaSdxlNamesMergeIntoUnetAndBothEncodersAsPyTorchDoes() {
    Path folder = mkdir("golden");
    writeKohya(folder, "xl");
    Map<String, int[]> base = snapshot();
    String hashes = model.applyLoras(List.of(new LoraTags.Tag("xl", 0.7, 0.7)), folder);
    assertTrue(hashes.matches("xl: [0-9a-f]{12}"), hashes);
    assertEquals(layers.size(), model.loraChangedLayers());
    Map<String, int[]> merged = snapshot();
    for (String layer : layers.values()) { // every part changed: UNet, encoder 1, encoder 2
      assertFalse(Arrays.equals(base.get(layer), merged.get(layer)), layer + " changed");
    }
    // tiny-sdxl stores F16 and the merged weights are held as stored (fp16 rounding, 2^-11).
    double worst = worstMergeError(model);
    System.out.printf("SDXL LoRA merge (held F16) vs PyTorch: max relative error %.3g%n", worst);
    assertTrue(worst <= 1e-3, "relative error " + worst);
    assertNull(model.applyLoras(List.of(), folder));
    assertEquals(0, model.loraChangedLayers());
    assertSame(base);
  }

  @Test
  void mergedInFloat32MatchesPyTorchClosely() {
    Path folder = mkdir("f32");
    writeKohya(folder, "xl");
    try (DiffusionModel wide =
        DiffusionModel.load(TestPacks.byName("tiny-sdxl"), Device.cpu(), WeightPrecision.FLOAT32)) {
      wide.applyLoras(List.of(new LoraTags.Tag("xl", 0.7, 0.7)), folder);
      assertEquals(layers.size(), wide.loraChangedLayers());
      double worst = worstMergeError(wide);
      System.out.printf("SDXL LoRA merge (held F32) vs PyTorch: max relative error %.3g%n", worst);
      assertTrue(worst <= 1e-5, "relative error " + worst);
    }
  }

  /**
   * A 4-step guided DDIM run with the LoRA at 0.7 (run.* of the golden): the final latents and the
   * second encoder's pooled embedding match PyTorch's within the SDXL goldens' 1e-3.
   */
  @Test
  void aGuidedRunWithTheLoraMatchesPyTorch() {
    Path folder = mkdir("run");
    writeKohya(folder, "xl");
    Map<String, String> meta = golden.metadata();
    Latents noise = new Latents(golden.readFloats("run.noise"), 1, 4, 8, 8);
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt(meta.get("run.prompt") + " <lora:xl:0.7>")
            .negativePrompt(meta.get("run.negative"))
            .steps(Integer.parseInt(meta.get("run.steps")))
            .guidance(Double.parseDouble(meta.get("run.guidance_scale")))
            .sampler(Sampler.DDIM)
            .size(32, 32)
            .loraFolder(folder)
            .build();
    float[] latents = finalLatents(r, noise); // [1, 4, 8, 8]
    double e = TestPacks.relErr(latents, golden.readFloats("run.latents"));
    float[] pooled; // [1, P], the prompt's
    try (NDManager job = model.newJobManager()) {
      pooled =
          model
              .sdxl()
              .encode(meta.get("run.prompt"), "prompt", job, List.of())
              .pooled()
              .toFloatArray();
    }
    float[] both = golden.readFloats("run.text_embeds"); // [2, P]: uncond, cond
    double p = TestPacks.relErr(pooled, Arrays.copyOfRange(both, pooled.length, both.length));
    // Without the tag the run is far from PyTorch's with the LoRA: the check can fail.
    GenerationRequest base = r.toBuilder().prompt(meta.get("run.prompt")).build();
    double off = TestPacks.relErr(finalLatents(base, noise), golden.readFloats("run.latents"));
    System.out.printf(
        "SDXL LoRA run vs PyTorch: latents %.3g, pooled %.3g; without the LoRA %.3g%n", e, p, off);
    assertTrue(off > 1e-2, "without the LoRA rel err " + off);
    assertTrue(e <= 1e-3, "latents rel err " + e);
    assertTrue(p <= 1e-3, "pooled rel err " + p);
    model.applyLoras(List.of(), folder);
  }

  private static float[] finalLatents(GenerationRequest r, Latents noise) {
    List<StepEvent> events = new ArrayList<>();
    new Pipeline(model)
        .run(
            r,
            new GenerationListener() {
              @Override
              public void step(StepEvent e) {
                events.add(e);
              }
            },
            new CancellationToken(),
            noise);
    return events.get(events.size() - 1).noisyLatent().data(); // [1, 4, h, w]
  }

  @Test
  void diffusersPeftNamesMergeExactlyAsKohyaNames() {
    Path kohya = mkdir("k");
    Path peft = mkdir("p");
    writeKohya(kohya, "xl");
    writePeft(peft, "xl");
    Map<String, int[]> base = snapshot();
    model.applyLoras(List.of(new LoraTags.Tag("xl", 0.5, 1.2)), kohya);
    Map<String, int[]> viaKohya = snapshot();
    model.applyLoras(List.of(new LoraTags.Tag("xl", 0.5, 1.2)), peft);
    assertEquals(layers.size(), model.loraChangedLayers());
    viaKohya.forEach((k, v) -> assertArrayEquals(v, snapshot().get(k), k));
    model.applyLoras(List.of(), peft);
    assertSame(base);
  }

  @Test
  void theTagChangesTheImageWeightZeroDoesNotAndTheHashIsRecorded() {
    Path folder = mkdir("img");
    writeKohya(folder, "xl");
    Pipeline p = new Pipeline(model);
    GenerationRequest.Builder b =
        GenerationRequest.builder().steps(2).guidance(5).seed(3).loraFolder(folder);
    byte[] plain = image(p, b.prompt("a red heart emoji").build()).image().rgb();
    GeneratedImage zero = image(p, b.prompt("a red <lora:xl:0> heart emoji").build());
    assertArrayEquals(plain, zero.image().rgb());
    assertTrue(zero.parameters().get("Lora hashes").startsWith("xl: "));
    GeneratedImage on = image(p, b.prompt("a red <lora:xl:0.7> heart emoji").build());
    assertFalse(Arrays.equals(plain, on.image().rgb()), "the LoRA changes the image");
    assertArrayEquals(plain, image(p, b.prompt("a red heart emoji").build()).image().rgb());
  }

  /**
   * Both encoders dropped after each prompt: the LoRA is merged again into both, read afresh (the
   * kept model's pixels), and a prompt without it restores every layer.
   */
  @Test
  void droppedTextEncodersGetTheLoraAgainInBoth() {
    Path folder = mkdir("drop");
    writeKohya(folder, "xl");
    GenerationRequest.Builder b =
        GenerationRequest.builder().steps(2).guidance(5).seed(3).loraFolder(folder);
    GenerationRequest withLora = b.prompt("a red <lora:xl:0.7> heart emoji").build();
    GenerationRequest plain = b.prompt("a red heart emoji").build();
    Pipeline p = new Pipeline(model);
    byte[] want = image(p, withLora).image().rgb();
    byte[] wantPlain = image(p, plain).image().rgb();
    try (DiffusionModel dropping =
        DiffusionModel.load(TestPacks.byName("tiny-sdxl"), Device.cpu())) {
      dropping.keepTextEncoders(false);
      Pipeline q = new Pipeline(dropping);
      assertArrayEquals(want, image(q, withLora).image().rgb());
      assertFalse(dropping.textEncodersResident());
      assertArrayEquals(want, image(q, withLora).image().rgb(), "merged again after the re-read");
      assertArrayEquals(wantPlain, image(q, plain).image().rgb(), "every layer restored");
      assertEquals(0, dropping.loraChangedLayers());
      assertEquals(3, dropping.textEncoderReads());
    }
  }

  private static GeneratedImage image(Pipeline p, GenerationRequest r) {
    return p.run(r, new GenerationListener() {}, new CancellationToken()).images().get(0);
  }

  @Test
  void anSdLoraOnSdxlIsRefusedInOneSentenceAndNothingIsMerged() {
    Path folder = mkdir("bad");
    Map<String, int[]> base = snapshot();
    // SD 1.x's text encoder prefix.
    new SafetensorsWriter()
        .putF32(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
            new long[] {2, 16},
            new float[32])
        .putF32(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight",
            new long[] {16, 2},
            new float[32])
        .write(folder.resolve("sd.safetensors"));
    assertRefused("sd", folder, "is a Stable Diffusion 1.x or 2.x LoRA");
    // A UNet-only kohya file whose metadata says SD 1.x.
    new SafetensorsWriter()
        .metadata("ss_base_model_version", "sd_v1")
        .putF32("lora_unet_conv_in.lora_down.weight", new long[] {2, 4, 3, 3}, new float[72])
        .putF32("lora_unet_conv_in.lora_up.weight", new long[] {8, 2, 1, 1}, new float[16])
        .write(folder.resolve("sd1.safetensors"));
    assertRefused("sd1", folder, "is an SDXL model");
    // An SD 1.x UNet layer SDXL's first level does not have (it has no attention).
    new SafetensorsWriter()
        .putF32(
            "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
            new long[] {2, 8},
            new float[16])
        .putF32(
            "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight",
            new long[] {8, 2},
            new float[16])
        .write(folder.resolve("level0.safetensors"));
    assertRefused("level0", folder, "down_blocks_0_attentions_0_proj_in");
    assertEquals(0, model.loraChangedLayers());
    assertSame(base);
  }

  private static void assertRefused(String name, Path folder, String mentions) {
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> model.applyLoras(List.of(new LoraTags.Tag(name, 1, 1)), folder));
    System.out.println(name + ": " + e.getMessage());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
    assertTrue(e.getMessage().startsWith("The LoRA " + name), e.getMessage());
    assertTrue(e.getMessage().endsWith("."), e.getMessage());
    assertEquals(1, e.getMessage().split("\\. ").length, e.getMessage());
    assertEquals(0, model.loraChangedLayers());
  }

  private static double relative(float[] got, float[] want) {
    return GoldenLora.relative(got, want);
  }

  private static Path mkdir(String name) {
    try {
      return Files.createDirectories(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
