package dev.stepwise.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.stepwise.engine.nn.Parameters;
import dev.stepwise.engine.nn.RandomWeights;
import dev.stepwise.engine.pack.CheckpointOptions;
import dev.stepwise.engine.pack.LdmTestCheckpoints;
import dev.stepwise.engine.pack.LdmTestCheckpoints.Tensor;
import dev.stepwise.engine.pack.ModelPack;
import dev.stepwise.engine.random.SeedNoise;
import dev.stepwise.engine.unet.UNet2DConditionModel;
import dev.stepwise.engine.unet.UNetConfig;
import dev.stepwise.engine.weights.SafetensorsFile;
import dev.stepwise.engine.weights.SafetensorsWriter;
import dev.stepwise.engine.weights.TensorSource;
import dev.stepwise.recipe.ImageSettings;
import dev.stepwise.recipe.Sampler;
import dev.stepwise.recipe.SizeConditioning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDXL refiner's layout (text_encoder_2/ and tokenizer_2/ only, five time ids with the
 * aesthetic score, force_zeros_for_empty_prompt false) against the PyTorch reference
 * (models/training/make_refiner_goldens.py): a refiner-shaped pack built from tiny-sdxl's second
 * encoder, autoencoder and scheduler plus the golden's seeded UNet; its conditioning and one guided
 * DDIM img2img run match within the img2img goldens' tolerances.
 */
class SdxlRefinerTest {
  static final Path FILE = TestPacks.GOLDEN.resolve("tiny-sdxl-refiner.safetensors");
  @TempDir static Path tmp;
  static Path pack;

  @BeforeAll
  static void build() throws IOException {
    try (SafetensorsFile g = SafetensorsFile.open(FILE)) {
      pack = refinerPack(tmp.resolve("refiner"), g);
    }
  }

  /**
   * tiny-sdxl without its first encoder, with the golden's seeded refiner-shaped UNet (no weights
   * file: the golden's script and this method seed the same sorted names).
   */
  static Path refinerPack(Path dst, SafetensorsFile g) throws IOException {
    Path src = SdxlGoldenTest.PACK;
    for (String part : List.of("vae", "scheduler", "text_encoder_2", "tokenizer_2")) {
      try (var walk = Files.walk(src.resolve(part))) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          Path t = dst.resolve(src.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(t);
          } else {
            Files.copy(p, t);
          }
        }
      }
    }
    Files.writeString(dst.resolve("model_index.json"), g.metadata().get("model_index"));
    Files.createDirectories(dst.resolve("unet"));
    Files.writeString(dst.resolve("unet/config.json"), g.metadata().get("unet.config"));
    long seed = Long.parseLong(g.metadata().get("unet.seed"));
    // The names and shapes this engine's UNet asks for, in sorted order: parameter k is
    // torch.randn([numel], generator=manual_seed(seed + k)) / sqrt(fan_in), as the script seeds.
    RandomWeights shapes = RandomWeights.shapesOnly();
    try (NDManager m = NDManager.newBaseManager()) {
      UNetConfig config =
          UNetConfig.fromJson(
              JsonParser.parseString(g.metadata().get("unet.config")).getAsJsonObject());
      new UNet2DConditionModel(config, Parameters.random(shapes, m));
    }
    SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
    int k = 0;
    for (Map.Entry<String, long[]> e : new TreeMap<>(shapes.requested()).entrySet()) {
      long[] shape = e.getValue();
      long numel = 1;
      for (long d : shape) {
        numel *= d;
      }
      long fanIn = shape.length > 1 ? numel / shape[0] : numel;
      float[] v = new SeedNoise(seed + k).next(Math.toIntExact(numel)); // float32 randn
      float scale = (float) (1 / Math.sqrt(Math.max(1, fanIn)));
      for (int i = 0; i < v.length; i++) {
        v[i] *= scale;
      }
      w.putF32(e.getKey(), shape, v);
      k++;
    }
    w.write(dst.resolve("unet/diffusion_pytorch_model.safetensors"));
    return dst;
  }

  private static void close(String what, float[] got, float[] want) {
    double e = TestPacks.relErr(got, want);
    assertTrue(e <= 1e-3, what + " rel err " + e);
  }

  /**
   * The refiner's one text encoder is SDXL's second: a kohya {@code lora_te2_} module merges into
   * it, a {@code lora_te1_} one matches no layer (one sentence), and removal restores the weight.
   */
  @Test
  void anSdxlLorasSecondEncoderPartMergesIntoTheRefinersEncoder() throws IOException {
    Path loras = Files.createDirectories(tmp.resolve("loras"));
    String te2 = "lora_te2_text_model_encoder_layers_0_self_attn_q_proj";
    String te1 = "lora_te1_text_model_encoder_layers_0_self_attn_q_proj";
    float[] v = new SeedNoise(5).next(48); // [2, 24] and [24, 2]
    new SafetensorsWriter()
        .putF32(te2 + ".lora_down.weight", new long[] {2, 24}, v)
        .putF32(te2 + ".lora_up.weight", new long[] {24, 2}, v)
        .write(loras.resolve("two.safetensors"));
    new SafetensorsWriter()
        .putF32(te1 + ".lora_down.weight", new long[] {2, 16}, new float[32])
        .putF32(te1 + ".lora_up.weight", new long[] {16, 2}, new float[32])
        .write(loras.resolve("one.safetensors"));
    try (DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      String key = "text_model.encoder.layers.0.self_attn.q_proj.weight";
      NDArray w =
          model.loraTargets().weight(dev.stepwise.engine.lora.LoraTargets.Part.TEXT_ENCODER_2, key);
      float[] before = w.toFloatArray();
      model.applyLoras(List.of(new dev.stepwise.engine.lora.LoraTags.Tag("two", 1, 1)), loras);
      assertEquals(1, model.loraChangedLayers());
      assertFalse(java.util.Arrays.equals(before, w.toFloatArray()));
      EngineException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              EngineException.class,
              () ->
                  model.applyLoras(
                      List.of(new dev.stepwise.engine.lora.LoraTags.Tag("one", 1, 1)), loras));
      assertTrue(e.getMessage().contains("matches no layer") && e.getMessage().endsWith("."));
      model.applyLoras(List.of(), loras);
      assertArrayEquals(before, w.toFloatArray());
    }
  }

  @Test
  void conditioningIsTheSecondEncodersWithAestheticScores() throws IOException {
    try (SafetensorsFile g = SafetensorsFile.open(FILE);
        DiffusionModel model = DiffusionModel.load(pack, Device.cpu());
        NDManager job = model.newJobManager()) {
      assertTrue(model.sdxl().refiner());
      assertEquals(List.of(), model.notices(), "every tensor used, nothing ignored");
      JsonObject run = JsonParser.parseString(g.metadata().get("run")).getAsJsonObject();
      List<String> notices = new ArrayList<>();
      Conditioning c =
          Conditioning.sdxl(
              model.sdxl(),
              run.get("prompt").getAsString(),
              run.get("negative").getAsString(),
              true,
              1,
              32,
              32,
              job,
              notices);
      close("context", c.contexts()[0].toFloatArray(), g.readFloats("refiner.context"));
      float[] pooled = c.pooled()[0].toFloatArray(); // [2, P]
      close("text_embeds", pooled, g.readFloats("refiner.text_embeds"));
      assertFalse(pooled[0] == 0f && pooled[1] == 0f, "the empty negative is encoded, not zeros");
      float[] ids = c.timeIds()[0].toFloatArray(); // [2, 5]
      float[] want = g.readFloats("refiner.time_ids");
      assertEquals(10, ids.length);
      for (int i = 0; i < ids.length; i++) {
        assertEquals(want[i], ids[i], "time id " + i);
      }
      assertEquals(2.5f, ids[4], "the negative's aesthetic score");
      assertEquals(6.0f, ids[9], "the prompt's aesthetic score");
      // A chosen original size and crop reach the refiner's ids; its target size has no slot.
      Conditioning sized =
          Conditioning.sdxl(
              model.sdxl(),
              "a cat",
              "",
              false,
              1,
              new SizeConditioning(768, 1024, 8, 16, 640, 896),
              32,
              32,
              dev.stepwise.engine.prompt.Embeddings.none(),
              new java.util.HashSet<>(),
              job,
              notices);
      float[] one = sized.timeIds()[0].toFloatArray();
      assertEquals(List.of(1024f, 768f, 16f, 8f, 6f), List.of(box(one)));
    }
  }

  private static Float[] box(float[] a) {
    Float[] out = new Float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  @Test
  void img2imgRunMatchesPyTorch() throws IOException {
    try (SafetensorsFile g = SafetensorsFile.open(FILE);
        DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      JsonObject run = JsonParser.parseString(g.metadata().get("run")).getAsJsonObject();
      int size = run.get("size").getAsInt();
      GenerationRequest r =
          GenerationRequest.builder()
              .prompt(run.get("prompt").getAsString())
              .negativePrompt(run.get("negative").getAsString())
              .guidance(run.get("guidance").getAsDouble())
              .sampler(Sampler.DDIM)
              .steps(run.get("steps").getAsInt())
              .seed(run.get("seed").getAsLong())
              .size(size, size)
              .input(
                  new ImageInput(
                      Img2ImgGoldenTest.initImage(),
                      null,
                      ImageSettings.of(run.get("strength").getAsDouble())))
              .build();
      List<StepEvent> events = new ArrayList<>();
      GenerationResult result =
          new Pipeline(model)
              .run(
                  r,
                  new GenerationListener() {
                    @Override
                    public void step(StepEvent e) {
                      events.add(e);
                    }
                  },
                  new CancellationToken());
      float[] timesteps = g.readFloats("refiner.timesteps");
      assertEquals(timesteps.length, events.size());
      for (int i = 0; i < timesteps.length; i++) {
        assertEquals(timesteps[i], events.get(i).timestep(), 1e-4, "timestep " + i);
      }
      close(
          "latents",
          events.get(events.size() - 1).noisyLatent().data(),
          g.readFloats("refiner.latents"));
      float[] want = g.readFloats("refiner.image"); // [1, 3, H, W] in [0, 1]
      RgbImage got = result.images().get(0).image();
      int plane = size * size;
      int worst = 0;
      for (int p = 0; p < plane; p++) {
        for (int c = 0; c < 3; c++) {
          int have = got.rgb()[p * 3 + c] & 0xff;
          worst = Math.max(worst, Math.abs(Math.round(want[c * plane + p] * 255f) - have));
        }
      }
      assertTrue(worst <= 2, "worst pixel difference " + worst + "/255");
      assertNull(result.images().get(0).parameters().get("Original size"));
    }
  }

  @Test
  void fromTextItRunsWithOneNotice() {
    try (DiffusionModel model = DiffusionModel.load(pack, Device.cpu())) {
      GenerationRequest r =
          GenerationRequest.builder()
              .prompt("a cat")
              .steps(2)
              .size(32, 32)
              .sizes(new SizeConditioning(0, 0, 0, 0, 64, 64))
              .build();
      GenerationResult result =
          new Pipeline(model).run(r, new GenerationListener() {}, new CancellationToken());
      assertEquals(1, result.images().size());
      assertEquals(2, result.notices().size(), result.notices().toString());
      assertTrue(result.notices().get(0).contains("init image at a low strength"));
      assertTrue(result.notices().get(1).contains("target size has no effect"));
    }
  }

  private static Map<String, Tensor> read(TensorSource s) {
    Map<String, Tensor> out = new TreeMap<>();
    try (NDManager m = NDManager.newBaseManager()) {
      for (String n : s.names()) {
        if (!n.endsWith("position_ids")) {
          NDArray a = s.load(n, m);
          out.put(n, new Tensor(a.getShape().getShape(), a.toFloatArray()));
        }
      }
    }
    return out;
  }

  /** Fields the tensors do not carry (as SdxlCheckpointTest), and the tiny tokenizer. */
  private static CheckpointOptions optionsFrom(ModelPack p) {
    Map<String, List<String>> notInferred =
        Map.of(
            "unet", List.of("attention_head_dim", "norm_num_groups", "sample_size"),
            "vae", List.of("norm_num_groups", "sample_size"),
            "text_encoder_2", List.of("num_attention_heads", "eos_token_id"),
            "scheduler", List.of("timestep_spacing"));
    Map<String, JsonObject> configs =
        Map.of(
            "unet", p.unetConfig(),
            "vae", p.vaeConfig(),
            "text_encoder_2", p.textEncoderConfig(),
            "scheduler", p.schedulerConfig());
    Map<String, JsonObject> fields = new HashMap<>();
    notInferred.forEach(
        (c, keys) -> {
          JsonObject o = new JsonObject();
          keys.forEach(k -> o.add(k, configs.get(c).get(k)));
          fields.put(c, o);
        });
    return new CheckpointOptions(null, fields, p.root().resolve("tokenizer_2"));
  }

  private static byte[] refine(DiffusionModel m) {
    GenerationRequest r =
        GenerationRequest.builder()
            .prompt("a red heart emoji")
            .steps(10)
            .guidance(5)
            .seed(4)
            .size(32, 32)
            .previewMethod(PreviewMethod.OFF)
            .input(new ImageInput(Img2ImgGoldenTest.initImage(), null, ImageSettings.of(0.3)))
            .build();
    return new Pipeline(m)
        .run(r, new GenerationListener() {}, new CancellationToken())
        .images()
        .get(0)
        .image()
        .rgb();
  }

  /**
   * The refiner written with Stability AI's names (OpenCLIP bigG alone as {@code
   * conditioner.embedders.0.model.*}) opens as a refiner and refines to the folder's pixels.
   */
  @Test
  void aSingleFileRefinerGivesTheFoldersPixels() {
    Path file = tmp.resolve("refiner.safetensors");
    CheckpointOptions options;
    try (ModelPack p = ModelPack.open(pack)) {
      assertTrue(p.secondEncoderOnly());
      assertTrue(p.textEncoder2Weights() == p.textEncoderWeights(), "one encoder, opened once");
      Map<String, Tensor> base =
          LdmTestCheckpoints.toSdxlLdm(
              read(p.unetWeights()),
              p.unetConfig(),
              read(p.vaeWeights()),
              p.vaeConfig().getAsJsonArray("block_out_channels").size(),
              Map.of(),
              read(p.textEncoderWeights()));
      Map<String, Tensor> ldm = new TreeMap<>();
      base.forEach(
          (k, t) ->
              ldm.put(
                  k.replace("conditioner.embedders.1.model.", "conditioner.embedders.0.model."),
                  t));
      LdmTestCheckpoints.write(ldm, file, false);
      options = optionsFrom(p);
    }
    try (ModelPack c = ModelPack.openCheckpoint(file, options)) {
      assertTrue(c.secondEncoderOnly() && !c.forceZerosForEmptyPrompt());
      assertTrue(c.textEncoder2Weights() == c.textEncoderWeights(), "one encoder, served once");
      assertTrue(c.notices().get(0).contains("Stable Diffusion XL refiner checkpoint"));
    }
    try (DiffusionModel a = DiffusionModel.load(pack, Device.cpu());
        DiffusionModel b =
            DiffusionModel.load(ModelPack.openCheckpoint(file, options), Device.cpu())) {
      assertTrue(b.sdxl().refiner());
      assertArrayEquals(refine(a), refine(b), "the checkpoint's picture differs from the folder's");
    }
  }
}
