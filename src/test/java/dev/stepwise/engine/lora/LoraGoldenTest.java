package dev.stepwise.engine.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.stepwise.engine.CancellationToken;
import dev.stepwise.engine.DiffusionModel;
import dev.stepwise.engine.EngineException;
import dev.stepwise.engine.GeneratedImage;
import dev.stepwise.engine.GenerationListener;
import dev.stepwise.engine.GenerationRequest;
import dev.stepwise.engine.Pipeline;
import dev.stepwise.engine.TestPacks;
import dev.stepwise.engine.lora.LoraTargets.Part;
import dev.stepwise.engine.nn.WeightPrecision;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA merged into the tiny-sd pack against PyTorch's merge (golden/lora.safetensors, made by
 * models/training/make_lora_goldens.py; docs/goldens.md "LoRA"), removal bit for bit, and the
 * refusals.
 */
class LoraGoldenTest {
  private static final Path GOLDEN = TestPacks.GOLDEN.resolve("lora.safetensors");
  private static DiffusionModel model;
  private static SafetensorsFile golden;
  private static Map<String, float[]> lora; // kohya key -> values, from the seeds
  private static Map<String, long[]> shapes;
  private static Map<String, Float> alphas;

  @TempDir static Path dir;

  @BeforeAll
  static void load() {
    model = DiffusionModel.load(TestPacks.tinySd(), Device.cpu());
    golden = SafetensorsFile.open(GOLDEN);
    GoldenLora g = GoldenLora.of(golden.metadata());
    lora = g.lora();
    shapes = g.shapes();
    alphas = g.alphas();
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

  /** The golden LoRA with kohya names. */
  private static Path writeKohya(Path folder, String name) {
    return new GoldenLora(lora, shapes, alphas).writeKohya(folder, name, "format", "pt");
  }

  /** The same LoRA with diffusers / PEFT names ({@code unet.X.lora_A.weight}, ...). */
  private static Path writePeft(Path folder, String name) {
    SafetensorsWriter w = new SafetensorsWriter();
    LoraTargets t = model.loraTargets();
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

  private static String peft(String kohya) {
    Map<String, String> known =
        Map.of(
            "lora_te_text_model_encoder_layers_0_self_attn_q_proj",
                "text_encoder.text_model.encoder.layers.0.self_attn.q_proj",
            "lora_te_text_model_encoder_layers_1_self_attn_out_proj",
                "text_encoder.text_model.encoder.layers.1.self_attn.out_proj",
            "lora_unet_conv_in", "unet.conv_in",
            "lora_unet_down_blocks_0_attentions_0_proj_in",
                "unet.down_blocks.0.attentions.0.proj_in",
            "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q",
                "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
            "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k",
                "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k",
            "lora_unet_input_blocks_1_1_proj_out", "unet.down_blocks.0.attentions.0.proj_out");
    return known.get(kohya);
  }

  private static NDArray weightOf(String goldenKey) {
    return weightOf(model, goldenKey);
  }

  private static NDArray weightOf(DiffusionModel m, String goldenKey) {
    String part = goldenKey.substring(0, goldenKey.indexOf('/'));
    String key = goldenKey.substring(part.length() + 1);
    return m.loraTargets().weight(part.equals("unet") ? Part.UNET : Part.TEXT_ENCODER, key);
  }

  /**
   * max|java - torch| / max|torch| over every golden layer of {@code m}'s merged weights: the first
   * 4 rows and every row's sum.
   */
  private static double worstMergeError(DiffusionModel m) {
    double worst = 0;
    for (String layer : goldenLayers()) {
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

  private static List<String> goldenLayers() {
    return golden.names().stream()
        .filter(n -> n.endsWith(".head"))
        .map(n -> n.substring(0, n.length() - ".head".length()))
        .sorted()
        .toList();
  }

  private static Map<String, int[]> snapshot() {
    Map<String, int[]> out = new LinkedHashMap<>();
    for (String layer : goldenLayers()) {
      float[] v = weightOf(layer).toFloatArray();
      out.put(layer, GoldenLora.bits(v));
    }
    return out;
  }

  private static void assertSame(Map<String, int[]> expected) {
    Map<String, int[]> now = snapshot();
    expected.forEach((k, v) -> assertArrayEquals(v, now.get(k), k + " is restored bit for bit"));
  }

  @Test
  void mergeAtPointSevenMatchesPyTorchAndRemovalRestoresBitForBit() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("golden"));
    Path file = writeKohya(folder, "mine");
    Map<String, int[]> base = snapshot();
    String hashes = model.applyLoras(List.of(new LoraTags.Tag("mine", 0.7, 0.7)), folder);
    assertEquals("mine: " + addnet(file).substring(0, 12), hashes);
    assertEquals(goldenLayers().size(), model.loraChangedLayers());
    // tiny-sd stores F16 and the merged weights are held as stored, so the merge is rounded to
    // fp16 (relative step 2^-11): the fp32 check is mergedInFloat32MatchesPyTorchClosely.
    double worst = worstMergeError(model);
    System.out.printf("LoRA merge (held F16) vs PyTorch: max relative error %.3g%n", worst);
    assertTrue(worst <= 1e-3, "relative error " + worst);
    assertFalse(
        Arrays.equals(base.get(goldenLayers().get(0)), snapshot().get(goldenLayers().get(0))));
    // The same set again writes nothing; then removal restores every layer bit for bit.
    model.applyLoras(List.of(new LoraTags.Tag("mine", 0.7, 0.7)), folder);
    assertNull(model.applyLoras(List.of(), folder));
    assertEquals(0, model.loraChangedLayers());
    assertSame(base);
  }

  /**
   * With {@code --weights float32} the merge is held in fp32, as PyTorch's reference merge is: the
   * same LoRA then matches it to float rounding, far below the fp16 model's 1e-3.
   */
  @Test
  void mergedInFloat32MatchesPyTorchClosely() {
    Path folder = mkdir("f32");
    writeKohya(folder, "mine");
    try (DiffusionModel wide =
        DiffusionModel.load(TestPacks.tinySd(), Device.cpu(), WeightPrecision.FLOAT32)) {
      wide.applyLoras(List.of(new LoraTags.Tag("mine", 0.7, 0.7)), folder);
      assertEquals(goldenLayers().size(), wide.loraChangedLayers());
      double worst = worstMergeError(wide);
      System.out.printf("LoRA merge (held F32) vs PyTorch: max relative error %.3g%n", worst);
      assertTrue(worst <= 1e-5, "relative error " + worst);
    }
  }

  @Test
  void diffusersPeftNamesMergeExactlyAsKohyaNames() {
    Path kohya = Files.isDirectory(dir.resolve("k")) ? dir.resolve("k") : mkdir("k");
    Path peft = mkdir("p");
    writeKohya(kohya, "mine");
    writePeft(peft, "mine");
    Map<String, int[]> base = snapshot();
    model.applyLoras(List.of(new LoraTags.Tag("mine", 0.5, 1.2)), kohya);
    Map<String, int[]> viaKohya = snapshot();
    model.applyLoras(List.of(new LoraTags.Tag("mine", 0.5, 1.2)), peft);
    viaKohya.forEach((k, v) -> assertArrayEquals(v, snapshot().get(k), k));
    model.applyLoras(List.of(), peft);
    assertSame(base);
  }

  @Test
  void weightZeroGivesTheSameImageBitForBitAndTagsLeaveTheText() {
    Path folder = mkdir("img");
    writeKohya(folder, "mine");
    Pipeline p = new Pipeline(model);
    GenerationRequest.Builder b =
        GenerationRequest.builder().steps(3).guidance(3).seed(5).loraFolder(folder);
    byte[] plain = image(p, b.prompt("a red heart emoji").build()).image().rgb();
    GeneratedImage zero = image(p, b.prompt("a red <lora:mine:0> heart emoji").build());
    assertArrayEquals(plain, zero.image().rgb());
    assertTrue(zero.parameters().get("Lora hashes").startsWith("mine: "));
    GeneratedImage on = image(p, b.prompt("a red <lora:mine:0.7> heart emoji").build());
    assertFalse(Arrays.equals(plain, on.image().rgb()), "the LoRA changes the image");
    assertArrayEquals(plain, image(p, b.prompt("a red heart emoji").build()).image().rgb());
  }

  /**
   * Text encoders dropped after each prompt: the LoRA is merged again onto the weights read afresh
   * (the same pixels as the kept model), and a prompt without it restores the UNet.
   */
  @Test
  void droppedTextEncodersGetTheLoraAgain() {
    Path folder = mkdir("drop");
    writeKohya(folder, "mine");
    GenerationRequest.Builder b =
        GenerationRequest.builder().steps(3).guidance(3).seed(5).loraFolder(folder);
    GenerationRequest withLora = b.prompt("a red <lora:mine:0.7> heart emoji").build();
    GenerationRequest plain = b.prompt("a red heart emoji").build();
    Pipeline p = new Pipeline(model);
    byte[] want = image(p, withLora).image().rgb();
    byte[] wantPlain = image(p, plain).image().rgb();
    try (DiffusionModel dropping = DiffusionModel.load(TestPacks.tinySd(), Device.cpu())) {
      dropping.keepTextEncoders(false);
      Pipeline q = new Pipeline(dropping);
      assertArrayEquals(want, image(q, withLora).image().rgb());
      assertFalse(dropping.textEncodersResident());
      assertArrayEquals(want, image(q, withLora).image().rgb(), "merged again after the re-read");
      assertArrayEquals(wantPlain, image(q, plain).image().rgb(), "the UNet restored");
      assertEquals(0, dropping.loraChangedLayers());
      assertEquals(3, dropping.textEncoderReads());
    }
  }

  private static GeneratedImage image(Pipeline p, GenerationRequest r) {
    return p.run(r, new GenerationListener() {}, new CancellationToken()).images().get(0);
  }

  @Test
  void badFilesAreRefusedInOneSentenceAndNothingIsMerged() throws IOException {
    Path folder = mkdir("bad");
    Map<String, int[]> base = snapshot();
    // Another family: SDXL's text encoders.
    new SafetensorsWriter()
        .putF32(
            "lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight",
            new long[] {2, 768},
            new float[2 * 768])
        .write(folder.resolve("xl.safetensors"));
    assertRefused("xl", folder, "SDXL");
    // Keys matching no layer.
    new SafetensorsWriter()
        .putF32("lora_unet_foo_bar.lora_down.weight", new long[] {2, 4}, new float[8])
        .write(folder.resolve("none.safetensors"));
    assertRefused("none", folder, "lora_unet_foo_bar.lora_down.weight");
    // Mismatched shapes (an SD 1.x cross-attention LoRA: 768 wide): the first key is named.
    new SafetensorsWriter()
        .putF32(
            "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight",
            new long[] {2, 768},
            new float[2 * 768])
        .putF32(
            "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight",
            new long[] {32, 2},
            new float[64])
        .write(folder.resolve("wide.safetensors"));
    assertRefused("wide", folder, "attn2_to_k.lora_down.weight [2, 768]");
    // A truncated file.
    byte[] whole = Files.readAllBytes(writeKohya(folder, "whole"));
    Files.write(folder.resolve("cut.safetensors"), Arrays.copyOf(whole, whole.length - 100));
    assertRefused("cut", folder, "cut.safetensors");
    // A pickle file, never opened.
    Files.write(folder.resolve("old.ckpt"), new byte[] {(byte) 0x80, 2});
    assertRefused("old", folder, "pickle");
    // An unknown name: the folder searched is named.
    assertRefused("nobody", folder, folder.toString());
    // A weight that is not a number.
    EngineException e =
        assertThrows(EngineException.class, () -> LoraTags.parse("a <lora:whole:x> cat"));
    assertOneSentence(e.getMessage());
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
    assertOneSentence(e.getMessage());
    assertEquals(0, model.loraChangedLayers());
  }

  private static void assertOneSentence(String m) {
    assertTrue(m.endsWith("."), m);
    assertTrue(Character.isUpperCase(m.charAt(0)) || m.charAt(0) == '/', m);
  }

  private static double relative(float[] got, float[] want) {
    return GoldenLora.relative(got, want);
  }

  private static Path mkdir(String name) {
    try {
      return Files.createDirectories(dir.resolve(name));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String addnet(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    long n = 0;
    for (int i = 7; i >= 0; i--) {
      n = (n << 8) | (all[i] & 0xFF);
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(all, (int) (8 + n), all.length - (int) (8 + n));
    return HexFormat.of().formatHex(sha.digest());
  }
}
